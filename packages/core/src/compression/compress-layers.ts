import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe, type Readable } from 'node:stream';
import { compressedMediaType, isUncompressedLayer, layerCompressor, type CompressionSettings } from './layer-compressor.js';
import { compressIntoFile, type CompressedFile, type CompressOptions } from './compress-into-file.js';
import { compressionKey, type CompressionCache } from './compression-cache.js';
import type { Descriptor } from '../descriptor.js';
import { digestOf } from '../digest.js';
import { PushError } from '../errors.js';
import type { PushEventListener } from '../push/events.js';
import type { ManifestNode } from '../push/image-graph.js';
import type { ImageSource } from '../sources/image-source.js';
import { Limiter } from '../push/limiter.js';
import { makeScratch } from '../scratch-dirs.js';
import { ReadProgress } from '../read-progress.js';

/**
 * Uncompressed layers (`docker save`, Docker 25's OCI-shaped save) are compressed on the way out (gzip, or zstd).
 * Each distinct layer is compressed once per run, several at a time, each in parallel blocks
 * on libuv's thread pool (block-gzip.ts), into a temporary file while both its uncompressed and compressed bytes are
 * hashed: the first checks the layer against its diffID, the second names the blob. Manifests
 * that list such layers are rewritten with the compressed descriptors, and indexes above them
 * with the new manifest digests; the image config is untouched, so diffIDs stay as they were.
 */
export interface LayerCompression {
  /** Reads blobs as the push needs them: compressed layers once compressed, the rest as they are. */
  source: ImageSource;
  /** The graph with compressed descriptors, once every layer is compressed. */
  root: Promise<ManifestNode>;
  /** Removes the temporary files of compressed layers. */
  cleanup(): Promise<void>;
}

interface Options {
  settings: CompressionSettings;
  cache: CompressionCache;
  emit: PushEventListener;
  /** Each compressed layer as soon as `source` can serve it, before the graph is complete. */
  onLayer?: (blob: Descriptor) => void;
  /** Stops the layers still compressing, and those not begun (the push failed). */
  signal?: AbortSignal;
}

export async function startLayerCompression(root: ManifestNode, source: ImageSource, options: Options): Promise<LayerCompression> {
  if (options.settings.format === 'none' || !hasUncompressed(root)) return { source, root: Promise.resolve(root), cleanup: async () => {} };
  const scratch = await makeScratch('layers');
  const run = new CompressionRun(source, scratch, options);
  const compressed = run.node(root);
  // Awaited by the push; a failure before then must not count as unhandled.
  compressed.catch(() => {});
  return { source: run.wrappedSource(), root: compressed, cleanup: () => rm(scratch, { recursive: true, force: true }) };
}

function hasUncompressed(node: ManifestNode): boolean {
  return node.blobs.some((b) => isUncompressedLayer(b.mediaType)) || node.children.some(hasUncompressed);
}

class CompressionRun {
  private readonly layers = new Map<string, Promise<Descriptor>>();
  private readonly openers = new Map<string, () => Readable>();
  /** Compressed layers written to a file here, hashed as they were written. */
  private readonly files = new Set<string>();
  private readonly limiter = new Limiter(availableParallelism());
  private written = 0;
  private readonly format: 'gzip' | 'zstd';
  private readonly progress: ReadProgress;
  /** Layers being compressed (or waiting for a thread) now. */
  private compressing = 0;

  constructor(
    private readonly source: ImageSource,
    private readonly scratch: string,
    private readonly options: Options,
  ) {
    this.format = options.settings.format === 'zstd' ? 'zstd' : 'gzip';
    this.progress = new ReadProgress(options.emit, source.description, 'compress');
  }

  async node(node: ManifestNode): Promise<ManifestNode> {
    if (!hasUncompressed(node)) return node;
    const json = JSON.parse(node.bytes.toString('utf8')) as Record<string, unknown>;
    if (node.children.length > 0) {
      const children = await Promise.all(node.children.map((c) => this.node(c)));
      const entries = json['manifests'] as Descriptor[];
      json['manifests'] = entries.map((entry) => {
        const child = children.find((c, i) => node.children[i]!.descriptor.digest === entry.digest);
        return child ? { ...entry, digest: child.descriptor.digest, size: child.descriptor.size } : entry;
      });
      return rewritten(node, json, children, []);
    }
    const blobs = await Promise.all(node.blobs.map((b) => (isUncompressedLayer(b.mediaType) ? this.layer(b) : b)));
    const layers = (json['layers'] as Descriptor[]).map((layer) => {
      const replaced = blobs.find((b, i) => node.blobs[i]!.digest === layer.digest && b !== node.blobs[i]);
      return replaced ? { ...layer, mediaType: replaced.mediaType, digest: replaced.digest, size: replaced.size } : layer;
    });
    json['layers'] = layers;
    return rewritten(node, json, [], blobs);
  }

  wrappedSource(): ImageSource {
    const inner = this.source;
    const openers = this.openers;
    const files = this.files;
    return {
      description: inner.description,
      root: inner.root,
      ...(inner.origin ? { origin: inner.origin } : {}),
      readManifest: (d) => inner.readManifest(d),
      checkBlob: async (d) => (openers.has(d.digest) ? undefined : inner.checkBlob(d)),
      openBlob: (d) => openers.get(d.digest)?.() ?? inner.openBlob(d),
      madeHere: (d) => files.has(d.digest) || (inner.madeHere?.(d) ?? false),
      ...(inner.close ? { close: () => inner.close!() } : {}),
    };
  }

  /** The compressed descriptor of an uncompressed layer, compressing it at most once. */
  private layer(layer: Descriptor): Promise<Descriptor> {
    let compressed = this.layers.get(layer.digest);
    if (!compressed) {
      compressed = this.compress(layer);
      this.layers.set(layer.digest, compressed);
    }
    return compressed;
  }

  private async compress(layer: Descriptor): Promise<Descriptor> {
    const settings = this.options.settings;
    const key = compressionKey(layer.digest, this.format, settings.level);
    const made = this.source.compressedLayer?.(layer, this.options.settings);
    if (made) return this.compressedHere(layer, key, made);
    const known = this.options.cache.lookup(key);
    if (known) {
      // Compressed again only if the registry lacks it; the same zlib and level give the same bytes.
      this.openers.set(known.digest, () => compressedStream(this.source.openBlob(layer), settings));
      this.options.emit({ type: 'layer-compressed', diffId: layer.digest, digest: known.digest, size: layer.size, compressedSize: known.size, cached: true });
      return this.ready({ mediaType: compressedMediaType(layer.mediaType, this.format), digest: known.digest, size: known.size });
    }
    const file = join(this.scratch, `layer-${++this.written}`);
    const signal = this.options.signal;
    this.progress.grow(layer.size);
    if (this.compressing++ === 0) this.progress.start();
    const result = await this.limiter.run(() => {
      signal?.throwIfAborted();
      return compressToFile(this.source.openBlob(layer), layer, settings, file, this.source.description, { signal, onBytes: (n) => this.progress.add(n) });
    });
    if (--this.compressing === 0) this.progress.end();
    return this.compressedHere(layer, key, { ...result, open: () => createReadStream(file, { highWaterMark: 1024 * 1024 }) });
  }

  /** A layer compressed in this run, by this class or by the source as it read it. */
  private compressedHere(layer: Descriptor, key: string, made: { digest: string; size: number; open(): Readable }): Descriptor {
    this.options.cache.remember(key, { digest: made.digest, size: made.size });
    this.openers.set(made.digest, made.open);
    this.files.add(made.digest);
    this.options.emit({ type: 'layer-compressed', diffId: layer.digest, digest: made.digest, size: layer.size, compressedSize: made.size, cached: false });
    return this.ready({ mediaType: compressedMediaType(layer.mediaType, this.format), digest: made.digest, size: made.size });
  }

  private ready(blob: Descriptor): Descriptor {
    this.options.onLayer?.(blob);
    return blob;
  }
}

function rewritten(node: ManifestNode, json: Record<string, unknown>, children: ManifestNode[], blobs: Descriptor[]): ManifestNode {
  const bytes = Buffer.from(JSON.stringify(json));
  const descriptor: Descriptor = { ...node.descriptor, digest: digestOf(bytes), size: bytes.length };
  return { descriptor, bytes, children, blobs };
}

function compressedStream(input: Readable, settings: CompressionSettings): Readable {
  return pipe(input, layerCompressor(settings), () => {});
}

/** Compresses a layer into `file`, hashing both sides in the same pass; checks the diffID. */
async function compressToFile(input: Readable, layer: Descriptor, settings: CompressionSettings, file: string, where: string, options: Omit<CompressOptions, 'needed'>): Promise<{ digest: string; size: number }> {
  let made: CompressedFile;
  try {
    made = await compressIntoFile(input, layerCompressor(settings), file, { ...options, needed: layer.size });
  } catch (error) {
    // A full TMPDIR is said as such (scratch-dirs.ts), not as a layer that cannot be read.
    if (error instanceof PushError && error.code === 'LOCAL_FILES') throw error;
    throw new PushError('INVALID_SOURCE', `${where}: cannot read layer ${layer.digest}: ${(error as Error).message}`);
  }
  if (made.diffId !== layer.digest || made.uncompressedSize !== layer.size) {
    throw new PushError('INVALID_SOURCE', `${where}: layer ${layer.digest} does not match its diffID (its content hashes to ${made.diffId})`);
  }
  return { digest: made.digest, size: made.size };
}
