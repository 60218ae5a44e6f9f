import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PushError } from './errors.js';
import type { Descriptor } from './descriptor.js';
import { plural } from './plural.js';

/** The digest of bytes, with the algorithm of `like` (sha256 unless told otherwise). */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const hash = hashFor(like);
  return `${like.slice(0, like.indexOf(':'))}:${hash.update(bytes).digest('hex')}`;
}

function hashFor(digest: string): ReturnType<typeof createHash> {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new PushError('INVALID_SOURCE', `unsupported digest algorithm in ${digest}`);
  }
  return createHash(algorithm);
}

/**
 * Passes bytes through while hashing them, and fails the stream when the bytes do not match the
 * descriptor. It holds back the newest chunk until the end is verified: a registry receiving a
 * Content-Length body therefore never gets the last byte of a corrupt blob and cannot commit it.
 * With `hash` false (bytes this process hashed as it made them) only the size is checked.
 */
export class VerifyingStream extends Transform {
  private readonly hash: ReturnType<typeof createHash> | undefined;
  private held: Buffer | undefined;
  private seen = 0;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly onBytes?: (total: number) => void,
    hash = true,
  ) {
    super();
    this.hash = hash ? hashFor(descriptor.digest) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.descriptor.size) {
      callback(this.mismatch(`more than the ${plural(this.descriptor.size, 'byte')} its descriptor declares`));
      return;
    }
    this.hash?.update(chunk);
    if (this.held) this.push(this.held);
    this.held = chunk;
    this.onBytes?.(this.seen);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.descriptor.size) {
      callback(this.mismatch(`${plural(this.seen, 'byte')} where its descriptor declares ${this.descriptor.size}`));
      return;
    }
    const actual = this.hash && `${this.descriptor.digest.slice(0, this.descriptor.digest.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== undefined && actual !== this.descriptor.digest) {
      callback(this.mismatch(`content hashes to ${actual}`));
      return;
    }
    if (this.held) this.push(this.held);
    callback();
  }

  private mismatch(what: string): PushError {
    return new PushError('DIGEST_MISMATCH', `blob ${this.descriptor.digest} is corrupt in the source: ${what}`);
  }
}
