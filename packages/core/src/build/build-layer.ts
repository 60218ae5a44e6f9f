import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { compressIntoFile } from '../compression/compress-into-file.js';
import { compressedMediaType, layerCompressor, type CompressionSettings } from '../compression/layer-compressor.js';
import { MediaTypes, type Descriptor } from '../descriptor.js';
import { layerEntries, type LayerSource } from './layer-entries.js';
import { layerTar, type TarStamp } from './layer-tar.js';

/** A layer made from files: its (compressed) blob, on disk until the build is closed. */
export interface BuiltLayer {
  descriptor: Descriptor;
  /** The digest of the uncompressed tar, for the config's `rootfs.diff_ids`. */
  diffId: string;
  /** The history line the layer gets, e.g. `hoist build: add /app`. */
  createdBy: string;
  open(): Readable;
}

export interface LayerStamp extends TarStamp {
  /** gzip (the default, DEFAULT_COMPRESSION), zstd, or none (a plain tar). */
  compression: CompressionSettings;
}

/**
 * Writes one layer into `file`: the sorted entries as a tar, compressed (gzip in parallel
 * blocks, or zstd) or not, both sides hashed in the same pass. The same files and stamp give
 * the same digest, run after run.
 */
export async function buildLayer(source: LayerSource, stamp: LayerStamp, file: string, signal?: AbortSignal): Promise<BuiltLayer> {
  const { landsAt, entries } = await layerEntries(source);
  const made = await compressIntoFile(Readable.from(layerTar(entries, stamp)), layerCompressor(stamp.compression), file, { signal });
  return {
    descriptor: { mediaType: compressedMediaType(MediaTypes.ociLayer, stamp.compression.format), digest: made.digest, size: made.size },
    diffId: made.diffId,
    // Where the files land, not where they came from: a checkout's path must not change the digest.
    createdBy: `hoist build: add ${landsAt}`,
    open: () => createReadStream(file, { highWaterMark: 1024 * 1024 }),
  };
}
