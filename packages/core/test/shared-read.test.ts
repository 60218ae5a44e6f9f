import { createHash } from 'node:crypto';
import { getDefaultHighWaterMark, Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../src/descriptor.js';
import { SharedReads, type BlobBytes } from '../src/push/shared-read.js';

const KiB = 1024;
const LIMITS = { window: 64 * KiB, perRead: 96 * KiB, budget: 1024 * KiB };

/** A blob of `size` bytes and a source that counts its opens and the bytes read from it. */
function blobSource(size: number, seed = 0, chunk = 16 * KiB) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8) + seed) & 0xff;
  const blob: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size };
  const counts = { opens: 0, read: 0 };
  const open = (): Readable => {
    counts.opens++;
    let at = 0;
    return new Readable({
      highWaterMark: chunk,
      read() {
        if (at >= size) return void this.push(null);
        const piece = bytes.subarray(at, Math.min(size, at + chunk));
        at += piece.length;
        counts.read += piece.length;
        this.push(Buffer.from(piece));
      },
    });
  };
  return { blob, bytes, counts, open };
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('SharedReads', () => {
  it('reads a blob once for every registry that uploads it, and verifies it once', async () => {
    const { blob, bytes, counts, open } = blobSource(400 * KiB);
    const reads = new SharedReads(3, LIMITS);
    const got: BlobBytes[] = ['a', 'b', 'c'].map((registry) => reads.opener(blob, registry, open, false)());
    expect(got.map((g) => g.verified)).toEqual([true, true, true]);
    const received = await Promise.all(got.map((g) => drain(g.stream)));
    for (const r of received) expect(r.equals(bytes)).toBe(true);
    expect(counts.opens).toBe(1);
    expect(counts.read).toBe(bytes.length);
  });

  it('replays the start from memory for a registry that joins late, while it may still join', async () => {
    const { blob, bytes, counts, open } = blobSource(80 * KiB);
    const reads = new SharedReads(2, LIMITS);
    const first = await drain(reads.opener(blob, 'a', open, false)().stream);
    const late = reads.opener(blob, 'b', open, false)();
    expect(late.verified).toBe(true);
    expect((await drain(late.stream)).equals(bytes)).toBe(true);
    expect(first.equals(bytes)).toBe(true);
    expect(counts.opens).toBe(1);
  });

  it('lets a registry read on its own once the start is no longer kept, and for every retry', async () => {
    const { blob, bytes, counts, open } = blobSource(200 * KiB);
    const reads = new SharedReads(2, LIMITS);
    await drain(reads.opener(blob, 'a', open, false)().stream);
    const late = reads.opener(blob, 'b', open, false);
    const own = late();
    expect(own.verified).toBe(false);
    expect((await drain(own.stream)).equals(bytes)).toBe(true);
    const retry = late();
    expect(retry.verified).toBe(false);
    await drain(retry.stream);
    expect(counts.opens).toBe(3);
  });

  it('keeps nothing for late joiners once every registry has decided', async () => {
    const { blob, counts, open } = blobSource(80 * KiB);
    const reads = new SharedReads(2, LIMITS);
    await drain(reads.opener(blob, 'a', open, false)().stream);
    reads.settle(blob.digest, 'a');
    reads.settle(blob.digest, 'b');
    // Registry b found the blob already there; were it to upload after all, it reads on its own.
    expect(reads.opener(blob, 'b', open, false)().verified).toBe(false);
    expect(counts.opens).toBe(2);
  });

  it('reads at most a window ahead of its slowest upload', async () => {
    const { blob, bytes, counts, open } = blobSource(400 * KiB);
    const reads = new SharedReads(2, LIMITS);
    const fast = reads.opener(blob, 'a', open, false)().stream;
    const slow = reads.opener(blob, 'b', open, false)().stream;
    const fastDone = drain(fast);
    let fastEnded = false;
    void fastDone.then(() => (fastEnded = true));
    for (let i = 0; i < 50; i++) await tick();
    expect(fastEnded).toBe(false);
    // The window, plus what the streams in between buffer (the source's and the verifier's
    // default high-water mark each, 16 KiB on Node 20 and 64 KiB from 22, and its held chunk).
    expect(counts.read).toBeLessThanOrEqual(LIMITS.window + 4 * Math.max(getDefaultHighWaterMark(false), 16 * KiB));
    expect((await drain(slow)).equals(bytes)).toBe(true);
    expect((await fastDone).equals(bytes)).toBe(true);
  });

  it('lets the others go on when one upload is dropped half-way', async () => {
    const { blob, bytes, counts, open } = blobSource(400 * KiB);
    const reads = new SharedReads(2, LIMITS);
    const kept = reads.opener(blob, 'a', open, false)().stream;
    const dropped = reads.opener(blob, 'b', open, false)().stream;
    const keptDone = drain(kept);
    dropped.once('data', () => dropped.destroy());
    dropped.resume();
    expect((await keptDone).equals(bytes)).toBe(true);
    expect(counts.opens).toBe(1);
  });

  it('fails every upload of a corrupt blob before its last byte is handed on', async () => {
    const { blob, bytes, open } = blobSource(100 * KiB);
    const corrupt = { ...blob, digest: `sha256:${'0'.repeat(64)}` };
    const reads = new SharedReads(2, LIMITS);
    const streams = ['a', 'b'].map((registry) => reads.opener(corrupt, registry, open, false)().stream);
    const received = [0, 0];
    streams.forEach((stream, i) => stream.on('data', (part: Buffer) => (received[i]! += part.length)));
    const outcomes = await Promise.allSettled(streams.map(drain));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'read'))).toEqual(['DIGEST_MISMATCH', 'DIGEST_MISMATCH']);
    for (const r of received) expect(r).toBeLessThan(bytes.length);
  });

  it('shares nothing when the push goes to one registry', () => {
    const { blob, counts, open } = blobSource(16 * KiB);
    const got = new SharedReads(1, LIMITS).opener(blob, 'a', open, true)();
    expect(got.verified).toBe(true);
    got.stream.destroy();
    expect(counts.opens).toBe(1);
  });

  it('keeps the start of a read only within the run-wide budget', async () => {
    const reads = new SharedReads(2, { ...LIMITS, budget: 100 * KiB });
    const one = blobSource(80 * KiB);
    const two = blobSource(80 * KiB, 1);
    await drain(reads.opener(one.blob, 'a', one.open, false)().stream);
    await drain(reads.opener(two.blob, 'a', two.open, false)().stream);
    // The first read holds 80 KiB for registry b; the second could keep only 20 KiB, so its
    // start is gone and b reads that blob again.
    expect(reads.opener(one.blob, 'b', one.open, false)().verified).toBe(true);
    expect(reads.opener(two.blob, 'b', two.open, false)().verified).toBe(false);
    expect([one.counts.opens, two.counts.opens]).toEqual([1, 2]);
  });
});
