import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { singleFileTar } from './tar.js';

/**
 * Writes OCI image layouts by hand: real gzip'd tar layers with random (incompressible)
 * content, a config whose diff_ids match them, manifests, indexes and index.json. Every byte is
 * known to the test, so it can compare what the registry holds against it.
 */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
}

export interface WrittenImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const REF_NAME = 'org.opencontainers.image.ref.name';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class LayoutWriter {
  private constructor(readonly dir: string) {}

  static async create(dir: string): Promise<LayoutWriter> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    return new LayoutWriter(dir);
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  async writeBlob(bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(bytes);
    await writeFile(this.blobPath(digest), bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** A layer holding one file of `contentSize` random bytes. */
  async writeLayer(contentSize: number): Promise<{ layer: Descriptor; diffId: string }> {
    const tar = singleFileTar('data.bin', randomBytes(contentSize));
    return { layer: await this.writeBlob(gzipSync(tar, { level: 1 }), OCI_LAYER_GZIP), diffId: sha256(tar) };
  }

  async writeImage(
    layers: readonly ({ layer: Descriptor; diffId: string } | number)[],
    platform: { os: string; architecture: string } = { os: 'linux', architecture: 'amd64' },
  ): Promise<WrittenImage> {
    const written = await Promise.all(layers.map((l) => (typeof l === 'number' ? this.writeLayer(l) : l)));
    const config = await this.writeBlob(
      Buffer.from(
        JSON.stringify({
          ...platform,
          config: { Cmd: ['/bin/true'] },
          rootfs: { type: 'layers', diff_ids: written.map((w) => w.diffId) },
        }),
      ),
      OCI_CONFIG,
    );
    const manifestJson = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: written.map((w) => w.layer) };
    const manifest = await this.writeBlob(Buffer.from(JSON.stringify(manifestJson)), OCI_MANIFEST);
    return { manifest: { ...manifest, platform }, config, layers: written.map((w) => w.layer) };
  }

  async writeIndex(manifests: readonly Descriptor[]): Promise<Descriptor> {
    return this.writeBlob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })), OCI_INDEX);
  }

  /** index.json, listing each entry with its ref name annotation when one is given. */
  async writeIndexJson(entries: readonly { descriptor: Descriptor; ref?: string }[]): Promise<void> {
    const manifests = entries.map(({ descriptor, ref }) => {
      const { platform: _platform, ...plain } = descriptor;
      return ref === undefined ? plain : { ...plain, annotations: { [REF_NAME]: ref } };
    });
    await writeFile(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  }
}

/** A layout holding one single-platform image with layers of the given content sizes. */
export async function makeImageLayout(dir: string, layerSizes: readonly number[], ref?: string): Promise<WrittenImage & { writer: LayoutWriter }> {
  const writer = await LayoutWriter.create(dir);
  const image = await writer.writeImage(layerSizes);
  await writer.writeIndexJson([{ descriptor: image.manifest, ...(ref === undefined ? {} : { ref }) }]);
  return { ...image, writer };
}

/**
 * A layout whose root is an index of two platforms sharing a base layer; with `nested`, the
 * arm64 image sits one index deeper (an index inside the index).
 */
export async function makeIndexLayout(dir: string, options: { nested?: boolean; ref?: string } = {}): Promise<{ index: Descriptor; images: WrittenImage[]; writer: LayoutWriter }> {
  const writer = await LayoutWriter.create(dir);
  const base = await writer.writeLayer(96 * 1024);
  const amd64 = await writer.writeImage([base, 32 * 1024], { os: 'linux', architecture: 'amd64' });
  const arm64 = await writer.writeImage([base, 48 * 1024], { os: 'linux', architecture: 'arm64' });
  const second = options.nested ? await writer.writeIndex([arm64.manifest]) : arm64.manifest;
  const index = await writer.writeIndex([amd64.manifest, second]);
  await writer.writeIndexJson([{ descriptor: index, ...(options.ref === undefined ? {} : { ref: options.ref }) }]);
  return { index, images: [amd64, arm64], writer };
}
