import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DEFAULT_COMPRESSION, type CompressionSettings } from '../compression/layer-compressor.js';
import { MediaTypes, type Descriptor, type Platform } from '../descriptor.js';
import { digestOf } from '../digest.js';
import { PushError } from '../errors.js';
import type { ImageConfig, ImageIndex, ImageManifest } from '../oci-types.js';
import { loadImageGraph, type ManifestNode } from '../push/image-graph.js';
import { formatPlatform, selectPlatforms, type PlatformSpec } from '../push/platforms.js';
import { makeScratch } from '../scratch-dirs.js';
import { disposable, type ImageSource } from '../sources/image-source.js';
import { readImageConfig } from '../sources/image-config.js';
import { buildLayer, type BuiltLayer } from './build-layer.js';
import { editConfig, type ConfigEdits } from './config-edits.js';
import type { LayerSource } from './layer-entries.js';

export interface BuildImageOptions {
  /** The image to start from (any source openSource gives), or nothing at all. */
  base: ImageSource | 'scratch';
  /** Each one layer, in order: put what changes least first, so later builds reuse it. */
  layers?: readonly LayerSource[];
  config?: ConfigEdits;
  /** Set on every manifest (and index) built. */
  annotations?: Readonly<Record<string, string>>;
  /** Which platforms of a multi-platform base to build on (all when empty); for `scratch`, the platforms to make (this machine's when empty). */
  platforms?: readonly PlatformSpec[];
  /** The base's name, recorded as `org.opencontainers.image.base.name`. */
  baseName?: string;
  /** Seconds since the epoch for every file's mtime and the config's `created`: SOURCE_DATE_EPOCH from `env`, else 0. */
  sourceDateEpoch?: number;
  /** Owner of every file in the new layers (root by default). */
  owner?: { uid: number; gid: number };
  /** How the new layers are compressed (default DEFAULT_COMPRESSION: gzip, level 1). */
  compression?: CompressionSettings;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The built image as a source; closing it (or `await using`) removes its layer files and closes the base. */
export type BuiltImage = ImageSource & { close(): Promise<void> } & AsyncDisposable;

const OCI_LAYER_TYPES: Readonly<Record<string, string>> = {
  [MediaTypes.dockerLayerGzip]: MediaTypes.ociLayerGzip,
  [MediaTypes.dockerLayer]: MediaTypes.ociLayer,
};

/**
 * An image made without a daemon: a base (its manifests and configs read, its layers never
 * fetched) plus layers made from files, with the config edited. Every manifest built is OCI,
 * whatever the base's type; the base's layers keep their digests, so a destination that holds
 * them (or can mount them from the base's repository) is sent only the new layers.
 */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const epoch = options.sourceDateEpoch ?? sourceDateEpoch(options.env ?? process.env);
  const created = new Date(epoch * 1000).toISOString();
  const base = options.base === 'scratch' ? undefined : options.base;
  const scratch = await makeScratch('layers');
  try {
    const layers: BuiltLayer[] = [];
    for (const [i, source] of (options.layers ?? []).entries()) {
      const stamp = { uid: options.owner?.uid ?? 0, gid: options.owner?.gid ?? 0, mtime: epoch, compression: options.compression ?? DEFAULT_COMPRESSION };
      layers.push(await buildLayer(source, stamp, join(scratch, `built-${i}`), options.signal));
    }
    const made = new Map<string, Buffer>();
    const builder = new ImageAssembly(made, layers, options, created);
    const root = base ? await builder.onBase(base) : builder.fromScratch();
    const files = new Map(layers.map((l) => [l.descriptor.digest, l]));
    return disposable({
      description: `${base?.description ?? 'scratch'} + ${layers.length} layer${layers.length === 1 ? '' : 's'}`,
      root,
      ...(base?.origin ? { origin: base.origin } : {}),
      readManifest: async (d) => made.get(d.digest) ?? baseOf(base).readManifest(d),
      checkBlob: async (d) => (made.has(d.digest) || files.has(d.digest) ? undefined : baseOf(base).checkBlob(d)),
      openBlob: (d) => files.get(d.digest)?.open() ?? (made.has(d.digest) ? Readable.from([made.get(d.digest)!]) : baseOf(base).openBlob(d)),
      madeHere: (d) => made.has(d.digest) || files.has(d.digest),
      // A daemon's base layers arrive uncompressed and are gzip'd as its export streams in.
      ...(base?.compressedLayer ? { compressedLayer: (layer, settings) => base.compressedLayer!(layer, settings) } : {}),
      close: async () => {
        await rm(scratch, { recursive: true, force: true });
        await base?.close?.();
      },
    });
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

function baseOf(base: ImageSource | undefined): ImageSource {
  if (!base) throw new PushError('INVALID_SOURCE', 'an image built from scratch has no other blobs');
  return base;
}

/** `SOURCE_DATE_EPOCH` (reproducible-builds.org), or 0. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): number {
  const value = env['SOURCE_DATE_EPOCH'];
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value)) throw new PushError('USAGE', `SOURCE_DATE_EPOCH must be whole seconds since 1970, not "${value}"`);
  return Number(value);
}

/** Writes the new manifests, indexes and configs into `made`, and names the root. */
class ImageAssembly {
  constructor(
    private readonly made: Map<string, Buffer>,
    private readonly layers: readonly BuiltLayer[],
    private readonly options: BuildImageOptions,
    private readonly created: string,
  ) {}

  async onBase(base: ImageSource): Promise<Descriptor> {
    const graph = await loadImageGraph(base);
    const wanted = this.options.platforms ?? [];
    const node = graph.children.length > 0 ? selectPlatforms(graph, wanted) : graph;
    return node.children.length > 0 ? this.index(base, node) : this.image(base, node, graph.descriptor.digest);
  }

  fromScratch(): Descriptor {
    const wanted = this.options.platforms?.length ? this.options.platforms : [hostPlatform()];
    const images = wanted.map((platform) => {
      const config: ImageConfig = { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), rootfs: { type: 'layers', diff_ids: [] } };
      return { ...this.manifest(config, []), platform: { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}) } };
    });
    return images.length === 1 ? withoutPlatform(images[0]!) : this.put({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: images, ...this.annotations() }, MediaTypes.ociIndex);
  }

  private async index(base: ImageSource, node: ManifestNode): Promise<Descriptor> {
    const json = JSON.parse(node.bytes.toString('utf8')) as { manifests: Descriptor[] };
    const entries: Descriptor[] = [];
    for (const [i, child] of node.children.entries()) {
      const entry = json.manifests[i]!;
      // Attestations and signatures ride along in some indexes (platform unknown/unknown): they
      // describe the base's images, not these.
      if (entry.platform?.os === 'unknown' || entry.annotations?.['vnd.docker.reference.type']) continue;
      const built = child.children.length > 0 ? await this.index(base, child) : await this.image(base, child, child.descriptor.digest);
      entries.push({ ...built, ...(entry.platform ? { platform: entry.platform } : {}) });
    }
    if (entries.length === 0) throw new PushError('INVALID_SOURCE', `${base.description}: its index lists no image to build on`);
    return this.put({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: entries, ...this.annotations() }, MediaTypes.ociIndex);
  }

  private async image(base: ImageSource, node: ManifestNode, baseDigest: string): Promise<Descriptor> {
    const json = JSON.parse(node.bytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
    const baseConfig = await readImageConfig(base, json.config);
    const wanted = this.options.platforms ?? [];
    if (wanted.length > 0 && !wanted.some((w) => w.os === baseConfig.os && w.architecture === baseConfig.architecture)) {
      throw new PushError('USAGE', `the base is ${formatPlatform(baseConfig)} only, not ${wanted.map(formatPlatform).join(', ')}`);
    }
    const baseLayers = json.layers.map((l) => ({ ...l, mediaType: OCI_LAYER_TYPES[l.mediaType] ?? l.mediaType }));
    return this.manifest(baseConfig, baseLayers, baseDigest);
  }

  private manifest(baseConfig: ImageConfig, baseLayers: Descriptor[], baseDigest?: string): Descriptor {
    const config = editConfig(baseConfig, this.layers, this.options.config ?? {}, this.created);
    const configDescriptor = this.put(config, MediaTypes.ociConfig);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: configDescriptor,
      layers: [...baseLayers, ...this.layers.map((l) => l.descriptor)],
      ...this.annotations(baseDigest),
    };
    return this.put(manifest, MediaTypes.ociManifest);
  }

  private annotations(baseDigest?: string): { annotations?: Record<string, string> } {
    const annotations: Record<string, string> = {
      ...(baseDigest ? { 'org.opencontainers.image.base.digest': baseDigest } : {}),
      ...(baseDigest && this.options.baseName ? { 'org.opencontainers.image.base.name': this.options.baseName } : {}),
      ...this.options.annotations,
    };
    return Object.keys(annotations).length > 0 ? { annotations } : {};
  }

  private put(document: ImageManifest | ImageIndex | ImageConfig, mediaType: string): Descriptor {
    const bytes = Buffer.from(JSON.stringify(document));
    const digest = digestOf(bytes);
    this.made.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }
}

function withoutPlatform(descriptor: Descriptor & { platform?: Platform }): Descriptor {
  const { platform: _platform, ...rest } = descriptor;
  return rest;
}

const NODE_ARCHITECTURES: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

function hostPlatform(): PlatformSpec {
  return { os: 'linux', architecture: NODE_ARCHITECTURES[process.arch] ?? process.arch };
}
