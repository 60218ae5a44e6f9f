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

/**
 * Compresses `input` into `file` with `compressor`, hashing what goes in and what comes out in
 * the same pass, so that neither side is read again to name it.
 */
export async function compressIntoFile(input: Readable | AsyncIterable<Buffer>, compressor: Transform, file: string, signal?: AbortSignal, needed?: number): Promise<CompressedFile> {
  const uncompressed = createHash('sha256');
  const compressed = createHash('sha256');
  let uncompressedSize = 0;
  let size = 0;
  await writeScratch(file, needed, () => pipeline(
    input,
    tap((chunk) => {
      uncompressed.update(chunk);
      uncompressedSize += chunk.length;
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
