import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { VerifyingStream } from '../src/digest.js';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const chunks = [Buffer.from('first chunk|'), Buffer.from('second chunk|'), Buffer.from('last chunk')];
const whole = Buffer.concat(chunks);

async function run(descriptorDigest: string, size: number, hash = true): Promise<{ received: Buffer[]; error?: Error }> {
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      received.push(chunk);
      cb();
    },
  });
  try {
    await pipeline(Readable.from(chunks), new VerifyingStream({ mediaType: 'x', digest: descriptorDigest, size }, undefined, hash), sink);
    return { received };
  } catch (error) {
    return { received, error: error as Error };
  }
}

describe('VerifyingStream', () => {
  it('passes matching bytes through unchanged', async () => {
    const { received, error } = await run(sha256(whole), whole.length);
    expect(error).toBeUndefined();
    expect(Buffer.concat(received)).toEqual(whole);
  });

  it('fails on a digest mismatch before the last chunk is passed on', async () => {
    const { received, error } = await run(sha256(Buffer.from('other')), whole.length);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(Buffer.concat(received).length).toBeLessThan(whole.length);
  });

  it('fails when there are more bytes than declared', async () => {
    const { error } = await run(sha256(whole), 5);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining('more than the 5 bytes') });
  });

  it('fails when there are fewer bytes than declared', async () => {
    const { error } = await run(sha256(whole), whole.length + 1);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`${whole.length} bytes where`) });
  });

  it('without hashing (bytes this process made and hashed itself), still checks the size', async () => {
    const elsewhere = sha256(Buffer.from('other bytes'));
    expect((await run(elsewhere, whole.length, false)).received).toEqual(chunks);
    expect((await run(elsewhere, whole.length - 1, false)).error?.message).toMatch(/more than the/);
  });
});
