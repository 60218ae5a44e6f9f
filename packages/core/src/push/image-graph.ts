import { decodeAs, decodeDescriptor, decodeManifestFields, DecodeError, type ManifestFields } from '../decode/index.js';
import { isIndexMediaType, isManifestMediaType, MediaTypes, type Descriptor } from '../descriptor.js';
import { PushError } from '../errors.js';
import type { ImageSource } from '../sources/image-source.js';
import { Limiter } from './limiter.js';

/**
 * The tree of manifests under the root: an index's children are manifests (or nested indexes),
 * an image manifest's leaves are its config and layers. Read and validated whole before the
 * first request, so bad input fails before anything reaches a registry.
 */
export interface ManifestNode {
  descriptor: Descriptor;
  bytes: Buffer;
  /** Child manifests, for an index. */
  children: ManifestNode[];
  /** Config and layers, for an image manifest. */
  blobs: Descriptor[];
}

/** Deeper nesting than any real image uses; a cycle of indexes would otherwise never end. */
const MAX_DEPTH = 8;
/**
 * Bounds of the whole tree, far above any real image (a multi-platform index with its
 * attestations lists tens of manifests of a few KiB): a hostile index that lists 40000 children,
 * each declared at 8 MiB, would otherwise have them all fetched, and held, at once.
 */
export const GRAPH_LIMITS = { manifests: 1000, bytes: 64 * 1024 * 1024 };
/** Manifests read at once (from a registry: requests in flight). */
const READS_AT_ONCE = 16;

export async function loadImageGraph(source: ImageSource): Promise<ManifestNode> {
  const loaded = new Map<string, Promise<ManifestNode>>();
  const reads = new Limiter(READS_AT_ONCE);
  let declared = source.root.size;
  const load = (descriptor: Descriptor, depth: number): Promise<ManifestNode> => {
    if (depth > MAX_DEPTH) throw invalid(source, `indexes nest deeper than ${MAX_DEPTH} levels at ${descriptor.digest}`);
    let node = loaded.get(descriptor.digest);
    if (!node) {
      node = loadNode(source, descriptor, () => reads.run(() => source.readManifest(descriptor)), (children) => loadChildren(descriptor, children, depth + 1));
      loaded.set(descriptor.digest, node);
    }
    return node;
  };
  // Counted before any child is fetched, so a list past the bounds costs no request.
  const loadChildren = (index: Descriptor, children: Descriptor[], depth: number): Promise<ManifestNode[]> => {
    const fresh = new Map(children.filter((c) => !loaded.has(c.digest)).map((c) => [c.digest, c.size]));
    declared += [...fresh.values()].reduce((total, size) => total + size, 0);
    if (loaded.size + fresh.size > GRAPH_LIMITS.manifests || declared > GRAPH_LIMITS.bytes) {
      throw invalid(source, `index ${index.digest} makes the image more than ${GRAPH_LIMITS.manifests} manifests or ${GRAPH_LIMITS.bytes / 1024 / 1024} MiB of them, hoist's limit`);
    }
    return Promise.all(children.map((child) => load(child, depth)));
  };
  const root = await load(source.root, 0);
  await Promise.all(allBlobs(root).map((blob) => source.checkBlob(blob)));
  return root;
}

async function loadNode(source: ImageSource, descriptor: Descriptor, read: () => Promise<Buffer>, loadChildren: (children: Descriptor[]) => Promise<ManifestNode[]>): Promise<ManifestNode> {
  const bytes = await read();
  const json = decodeAs('INVALID_SOURCE', source.description, () => decodeManifestFields(bytes, `manifest ${descriptor.digest}`));
  const mediaType = manifestKind(source, descriptor, json);
  if (isIndexMediaType(mediaType)) {
    const entries = descriptorList(source, json.manifests, `index ${descriptor.digest} "manifests"`);
    for (const entry of entries) {
      if (!isManifestMediaType(entry.mediaType)) {
        throw invalid(source, `index ${descriptor.digest} lists ${entry.digest} with unsupported media type "${entry.mediaType}"`);
      }
    }
    return { descriptor, bytes, children: await loadChildren(entries), blobs: [] };
  }
  const config = descriptorList(source, [json.config], `manifest ${descriptor.digest} "config"`);
  const layers = descriptorList(source, json.layers, `manifest ${descriptor.digest} "layers"`);
  return { descriptor, bytes, children: [], blobs: [...config, ...layers] };
}

/** The descriptor's media type, or the one the JSON declares when the descriptor has none we know. */
function manifestKind(source: ImageSource, descriptor: Descriptor, json: ManifestFields): string {
  if (isManifestMediaType(descriptor.mediaType)) return descriptor.mediaType;
  if (typeof json.mediaType === 'string' && isManifestMediaType(json.mediaType)) return json.mediaType;
  if (Array.isArray(json.manifests)) return MediaTypes.ociIndex;
  if (json.config !== undefined) return MediaTypes.ociManifest;
  throw invalid(source, `${descriptor.digest} has unsupported media type "${descriptor.mediaType}"`);
}

/** A descriptor checked by the decoder (decode/descriptor.ts); `describe` makes the failure the caller's. */
export function parseDescriptor(value: unknown, where: string, describe: (why: string) => PushError): Descriptor {
  try {
    return decodeDescriptor(value, where);
  } catch (error) {
    throw error instanceof DecodeError ? describe(error.message) : error;
  }
}

function descriptorList(source: ImageSource, value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(source, `${where} is missing or not a list`);
  return value.map((entry, i) => parseDescriptor(entry, `${where}[${i}]`, (why) => invalid(source, why)));
}

function invalid(source: ImageSource, why: string): PushError {
  return new PushError('INVALID_SOURCE', `${source.description}: ${why}`);
}

/** Every blob under a node, each digest once. */
export function allBlobs(node: ManifestNode): Descriptor[] {
  const seen = new Map<string, Descriptor>();
  const visit = (n: ManifestNode): void => {
    for (const blob of n.blobs) seen.set(blob.digest, blob);
    n.children.forEach(visit);
  };
  visit(node);
  return [...seen.values()];
}
