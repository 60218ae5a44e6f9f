import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { LayoutWriter, OCI_LAYER_GZIP, OCI_LAYER_TAR, type Descriptor } from '@hoist/test-images';

/**
 * Inputs for the benchmark, written by streaming so that a 512 MiB layer never sits in memory:
 * random (incompressible) bytes, stored in a real gzip stream at level 0, so every tool treats it
 * as the compressed layer it claims to be and none spends time compressing it again.
 */
/** `size` bytes, in each MiB of which the first `randomFraction` is random and the rest repeats text. */
function randomStream(size: number, randomFraction: number): Readable {
  let left = size;
  const filler = Buffer.alloc(1024 * 1024, 'hoist benchmark filler, compressible on purpose. ');
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const chunk = Buffer.allocUnsafe(Math.min(left, 1024 * 1024));
      const random = Math.floor(chunk.length * randomFraction);
      randomFillSync(chunk, 0, random);
      filler.copy(chunk, random, 0, chunk.length - random);
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/**
 * A layer of `size` bytes: gzip'd at level 0 (stored, so incompressible stays incompressible), or
 * left uncompressed (tar-typed) for a source that needs compressing; `randomFraction` below 1
 * makes the content partly compressible, as real layers are.
 */
export async function writeRandomLayer(writer: LayoutWriter, size: number, compressed = true, randomFraction = 1): Promise<{ layer: Descriptor; diffId: string }> {
  const raw = createHash('sha256');
  const stored = createHash('sha256');
  const temp = join(writer.dir, `tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  let length = 0;
  const count = new Transform({
    transform(chunk: Buffer, _e, cb) {
      length += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(randomStream(size, randomFraction), hashing(raw), ...(compressed ? [createGzip({ level: 0 })] : []), hashing(stored), count, createWriteStream(temp));
  const digest = `sha256:${stored.digest('hex')}`;
  await rename(temp, writer.blobPath(digest));
  return { layer: { mediaType: compressed ? OCI_LAYER_GZIP : OCI_LAYER_TAR, digest, size: length }, diffId: `sha256:${raw.digest('hex')}` };
}
