import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeScratch } from '../scratch-dirs.js';
import { tap } from '../tap.js';

/** Both sides of a compressed write: the uncompressed bytes name a layer's diffID, the compressed ones its blob. */
export interface CompressedFile {
  diffId: string;
  uncompressedSize: number;
  digest: string;
  size: number;
}

export interface CompressOptions {
  signal?: AbortSignal;
  /** The uncompressed size, when known: the room the file may need (scratch-dirs.ts). */
  needed?: number;
  /** Told the size of each uncompressed chunk as it goes in, for progress. */
  onBytes?: (bytes: number) => void;
}

/**
 * Compresses `input` into `file` with `compressor`, hashing what goes in and what comes out in
 * the same pass, so that neither side is read again to name it.
 */
export async function compressIntoFile(input: Readable | AsyncIterable<Buffer>, compressor: Transform, file: string, options: CompressOptions = {}): Promise<CompressedFile> {
  const { signal, needed, onBytes } = options;
  const uncompressed = createHash('sha256');
  const compressed = createHash('sha256');
  let uncompressedSize = 0;
  let size = 0;
  await writeScratch(file, needed, () => pipeline(
    input,
    tap((chunk) => {
      uncompressed.update(chunk);
      uncompressedSize += chunk.length;
      onBytes?.(chunk.length);
    }),
    compressor,
    tap((chunk) => {
      compressed.update(chunk);
      size += chunk.length;
    }),
    createWriteStream(file),
    { signal },
  ));
  return { diffId: `sha256:${uncompressed.digest('hex')}`, uncompressedSize, digest: `sha256:${compressed.digest('hex')}`, size };
}
