import { PassThrough, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { MediaTypes } from '../descriptor.js';
import { PushError } from '../errors.js';
import { BLOCK_GZIP_VERSION, blockGzip } from './block-gzip.js';

/**
 * How a layer is compressed on its way out: gzip in parallel blocks (any client pulls it), or
 * zstd where Node.js has it in node:zlib (22.15 and 24 on; containerd 1.5+, Docker 23+ with the
 * containerd store, podman and skopeo pull it; Docker's classic store does not).
 */
export type CompressionFormat = 'gzip' | 'zstd' | 'none';

export interface CompressionSettings {
  format: CompressionFormat;
  /** gzip 1-9; zstd 1-19. */
  level: number;
}

/**
 * gzip level 1 by default, as crane and ko choose: on real layers (200 MiB of installed files,
 * docs/bench) zlib's level 1 costs 0.6 of level 6's CPU for 5% more bytes, and a push waits on
 * the CPU; `--compression-level 6` gives the size `docker push` makes.
 */
export const DEFAULT_GZIP_LEVEL = 1;
export const DEFAULT_COMPRESSION: CompressionSettings = { format: 'gzip', level: DEFAULT_GZIP_LEVEL };
export const DEFAULT_ZSTD_LEVEL = 3;

interface ZstdZlib {
  createZstdCompress?(options: { params: Record<number, number> }): Transform;
  constants: { ZSTD_c_compressionLevel?: number };
}

const zstd = zlib as unknown as ZstdZlib;

/** True when this Node.js can write zstd (22.15+, 24). */
export function zstdAvailable(): boolean {
  return typeof zstd.createZstdCompress === 'function' && zstd.constants.ZSTD_c_compressionLevel !== undefined;
}

/** The stream a layer goes through on its way out: gzip in parallel blocks, zstd, or as it is. */
export function layerCompressor(settings: CompressionSettings): Transform {
  if (settings.format === 'none') return new PassThrough();
  if (settings.format === 'gzip') return blockGzip(settings.level);
  if (!zstdAvailable()) throw new PushError('USAGE', `zstd needs Node.js 22.15 or later (this is ${process.version}); use gzip`);
  return zstd.createZstdCompress!({ params: { [zstd.constants.ZSTD_c_compressionLevel!]: settings.level } });
}

const COMPRESSED_TYPES: Readonly<Record<string, Readonly<Record<'gzip' | 'zstd', string>>>> = {
  [MediaTypes.ociLayer]: { gzip: MediaTypes.ociLayerGzip, zstd: MediaTypes.ociLayerZstd },
  // Docker's schema 2 has no zstd type; its zstd layers carry the OCI one, as containerd writes them.
  [MediaTypes.dockerLayer]: { gzip: MediaTypes.dockerLayerGzip, zstd: MediaTypes.ociLayerZstd },
};

export function isUncompressedLayer(mediaType: string): boolean {
  return mediaType in COMPRESSED_TYPES;
}

/** The media type of `mediaType`'s layer once sent with `format` (its own, for none). */
export function compressedMediaType(mediaType: string, format: CompressionFormat): string {
  return format === 'none' ? mediaType : COMPRESSED_TYPES[mediaType]![format];
}

/**
 * What makes the same compressed bytes: the format, level and encoder (the block layout's
 * version and zlib's, or libzstd's). Part of every compression-cache key.
 */
export function encoderVersion(format: 'gzip' | 'zstd'): string {
  return format === 'gzip' ? `${BLOCK_GZIP_VERSION} zlib-${process.versions.zlib}` : `zstd-${(process.versions as Record<string, string | undefined>)['zstd'] ?? 'unknown'}`;
}
