import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Descriptor, ImageSource } from '@hoist/core';

/** A small image held in memory, different on every call, so each push has something to send. */
export function memoryImage(options: { layerSize?: number } = {}): ImageSource & { manifestBytes: Buffer } {
  const digest = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const layerBytes = randomBytes(options.layerSize ?? 4096);
  const configBytes = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [digest(layerBytes)] } }));
  // Labelled compressed, so the engine sends it as it is and the digests stay the memory image's.
  const layer: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(layerBytes), size: layerBytes.length };
  const config: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(configBytes), size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] }));
  const root: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(manifestBytes), size: manifestBytes.length };
  const blobs = new Map([
    [layer.digest, layerBytes],
    [config.digest, configBytes],
  ]);
  return {
    description: 'conformance image',
    root,
    manifestBytes,
    readManifest: async () => manifestBytes,
    checkBlob: async () => {},
    openBlob: (d) => Readable.from([blobs.get(d.digest)!]),
  };
}
