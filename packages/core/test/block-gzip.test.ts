import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blockGzip } from '../src/compression/block-gzip.js';

const KiB = 1024;

async function gzip(input: Buffer, chunkSize = 64 * KiB, level = 6): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunkSize) chunks.push(input.subarray(at, at + chunkSize));
  return buffer(Readable.from(chunks).pipe(blockGzip(level)));
}

/** GNU gzip, a decoder that shares no code with Node's zlib. */
function gnuGunzip(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('gzip', ['-dc'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin!.end(data);
  });
}

/** A layer-like mix: text that compresses, random stretches that do not, in uneven runs. */
function mixed(size: number): Buffer {
  const out = Buffer.alloc(size);
  const text = Buffer.from('usr/lib/libexample.so.1 -rwxr-xr-x root root ');
  for (let at = 0, run = 0; at < size; at += 37 * KiB, run++) {
    const end = Math.min(size, at + 37 * KiB);
    if (run % 3 === 0) randomBytes(end - at).copy(out, at);
    else for (let i = at; i < end; i++) out[i] = text[i % text.length]!;
  }
  return out;
}

describe('blockGzip', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['smaller than a block', mixed(10 * KiB)],
    ['exactly one block', mixed(256 * KiB)],
    ['many blocks of mixed content', mixed(3 * 1024 * KiB + 123)],
    ['random bytes', randomBytes(1024 * KiB + 7)],
  ])('writes one gzip member that zlib and GNU gzip both read back: %s', async (_name, input) => {
    const compressed = await gzip(input);
    expect(gunzipSync(compressed).equals(input)).toBe(true);
    expect((await gnuGunzip(compressed)).equals(input)).toBe(true);
  });

  it('stores incompressible blocks (a few bytes of framing) and compresses the rest', async () => {
    const random = randomBytes(2048 * KiB);
    expect((await gzip(random)).length).toBeLessThan(random.length * 1.001);
    const text = Buffer.alloc(2048 * KiB, 'compressible text, over and over. ');
    expect((await gzip(text)).length).toBeLessThan(text.length / 50);
  });

  it('deflates a block that is random only in part (compressed files around some text)', async () => {
    // Two of the three samples fall on random bytes, one on text: still worth deflating.
    const block = Buffer.concat([randomBytes(100 * KiB), Buffer.alloc(56 * KiB, 'plain text between them. '), randomBytes(100 * KiB)]);
    expect((await gzip(block)).length).toBeLessThan(block.length * 0.9);
  });

  it('compresses text about as well as one zlib stream: each block starts from the one before', async () => {
    // Words drawn from a vocabulary, as in manuals and source: what a block can refer back to
    // lies in the block before it as much as in its own past.
    const words = Array.from({ length: 2000 }, () => randomBytes(6).toString('base64url'));
    let text = '';
    while (text.length < 4 * 1024 * KiB) text += `${words[Math.floor(Math.random() * words.length)]} `;
    const input = Buffer.from(text);
    expect((await gzip(input)).length).toBeLessThan(gzipSync(input, { level: 6 }).length * 1.005);
  });

  it('gives the same bytes for the same input, however the input is chunked', async () => {
    const input = mixed(1500 * KiB);
    const reference = await gzip(input, 64 * KiB);
    expect((await gzip(input, 1000)).equals(reference)).toBe(true);
    expect((await gzip(input, 1024 * KiB)).equals(reference)).toBe(true);
  });

  it('follows the level it is given', async () => {
    const input = mixed(2048 * KiB);
    expect((await gzip(input, 64 * KiB, 1)).equals(await gzip(input, 64 * KiB, 9))).toBe(false);
  });
});
