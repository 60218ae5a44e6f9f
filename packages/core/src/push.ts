import { setMaxListeners } from 'node:events';
import type { LookupFunction } from 'node:net';
import type { RegistryAdapter } from './adapter.js';
import type { BlobLocations } from './blob-locations.js';
import { compressLayers, DEFAULT_COMPRESSION, type CompressionSettings } from './compress-layers.js';
import { memoryCompressionCache, type CompressionCache } from './compression-cache.js';
import { DEFAULT_TAG, planDestinations } from './destinations.js';
import type { PushEventListener } from './events.js';
import { loadImageGraph, type ManifestNode } from './image-graph.js';
import type { ImageSource } from './image-source.js';
import { writeLayoutContent, writeLayoutRefs, type LayoutDestination, type LayoutWriteResult } from './layout-destination.js';
import { selectPlatforms, type PlatformSpec } from './platforms.js';
import { PushRun } from './push-run.js';
import type { ImageReference } from './reference.js';
import type { RetryPolicy } from './retry-policy.js';
import type { TlsSettings } from './tls-settings.js';
import { Transport, type TransportTimeouts } from './transport.js';

export { DEFAULT_CONCURRENCY, DEFAULT_STALL_MS } from './push-run.js';

/**
 * The push engine. Phase one puts every blob and every manifest of the image into every
 * destination repository, addressed by digest only; phase two writes the tags. A failure in phase
 * one therefore leaves no tag created or moved anywhere.
 */
export interface PushOptions {
  source: ImageSource;
  destinations: readonly ImageReference[];
  /** Tags added at every destination (`-t`). */
  tags?: readonly string[];
  /** OCI layouts on disk to write the image into (`oci:DIR[:REF]` destinations). */
  layoutDestinations?: readonly LayoutDestination[];
  /** Tried in order for each registry; the first whose `matches` says yes serves it. */
  adapters: readonly RegistryAdapter[];
  /** CA files, certificate directories, client certificates; see TlsSettings. */
  tls?: TlsSettings;
  /** Name resolution for registry connections (split-horizon DNS, tests); the system's by default. */
  lookup?: LookupFunction;
  /** Hosts reached over plain HTTP without trying TLS first. */
  plainHttpHosts?: readonly string[];
  /** Concurrent blob transfers per registry. */
  concurrency?: number;
  blobLocations?: BlobLocations;
  /** How uncompressed layers are sent (default gzip, level 6). */
  compression?: CompressionSettings;
  compressionCache?: CompressionCache;
  /** Only these platforms of an index (`--platform`); all when empty. */
  platforms?: readonly PlatformSpec[];
  /** Retries per request and backoff; see DEFAULT_RETRY_POLICY. */
  retryPolicy?: Partial<RetryPolicy>;
  /** Total time the push may take, retries and waits included. */
  timeoutMs?: number;
  timeouts?: Partial<TransportTimeouts & { stallMs: number }>;
  onEvent?: PushEventListener;
  signal?: AbortSignal;
}

export interface DestinationResult {
  /** `registry/repository`, or `oci:DIR` for a layout. */
  name: string;
  registry: string;
  repository: string;
  tags: string[];
  digest: string;
  blobsUploaded: number;
  blobsMounted: number;
  blobsSkipped: number;
  bytesUploaded: number;
}

export interface PushResult {
  digest: string;
  /** The source's own digest: differs from `digest` when layers were compressed on the way. */
  sourceDigest: string;
  mediaType: string;
  destinations: DestinationResult[];
}

/** An interrupted push gives each DELETE of its open upload sessions this long. */
const CANCEL_TIMEOUT_MS = 2_000;

export async function pushImage(options: PushOptions): Promise<PushResult> {
  const emit = options.onEvent ?? (() => {});
  const loaded = await loadImageGraph(options.source);
  const selected = selectPlatforms(loaded, options.platforms ?? []);
  const compressionCache = options.compressionCache ?? memoryCompressionCache();
  const image = await compressLayers(selected, options.source, { settings: options.compression ?? DEFAULT_COMPRESSION, cache: compressionCache, emit });
  try {
    const result = await pushGraph(image.root, { ...options, source: image.source, onEvent: emit });
    await compressionCache.save();
    return { ...result, sourceDigest: loaded.descriptor.digest };
  } finally {
    await image.cleanup();
  }
}

async function pushGraph(root: ManifestNode, options: PushOptions): Promise<Omit<PushResult, 'sourceDigest'>> {
  const layouts = options.layoutDestinations ?? [];
  const plans = options.destinations.length === 0 && layouts.length > 0 ? [] : planDestinations(options.destinations, options.tags ?? [], root.descriptor.digest);
  const emit = options.onEvent ?? (() => {});
  const layoutTargets = layouts.map((l) => ({ ...l, refs: withDefaultRef([...l.refs, ...(options.tags ?? [])]) }));
  const transport = new Transport({
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const abort = new AbortController();
  // Every request in flight listens on this signal: with --concurrency above 10, Node would warn
  // of a listener leak that is none (each request removes its listener when it ends).
  setMaxListeners(0, abort.signal);
  const onAbort = (): void => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const run = new PushRun(options, transport, abort.signal);
  try {
    const destinations = plans.map((plan) => run.destination(plan, root.descriptor.digest));
    const [, written] = await Promise.all([
      Promise.all(destinations.map((d) => run.pushTree(d, root))),
      Promise.all(layoutTargets.map((l) => writeLayoutContent(l, root, options.source, emit))),
    ]);
    await Promise.all([...destinations.map((d) => run.pushTags(d, root)), ...layoutTargets.map((l) => writeLayoutRefs(l, root, emit))]);
    await run.locations.save();
    const layoutResults = layoutTargets.map((l, i) => layoutResult(l, written[i]!, root.descriptor.digest));
    return { digest: root.descriptor.digest, mediaType: root.descriptor.mediaType, destinations: [...destinations.map((d) => d.result), ...layoutResults] };
  } catch (error) {
    // Stop the other transfers at once; their failures would only repeat this one.
    abort.abort(error);
    await run.sessions.cancelAll(CANCEL_TIMEOUT_MS);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await transport.close();
  }
}

/** A layout destination with no ref gets `latest`, as a registry destination with no tag does. */
function withDefaultRef(refs: string[]): string[] {
  const unique = [...new Set(refs)];
  return unique.length > 0 ? unique : [DEFAULT_TAG];
}

function layoutResult(layout: LayoutDestination, written: LayoutWriteResult, digest: string): DestinationResult {
  return {
    name: `oci:${layout.path}`,
    registry: 'oci',
    repository: layout.path,
    tags: layout.refs,
    digest,
    blobsUploaded: written.written,
    blobsMounted: 0,
    blobsSkipped: written.present,
    bytesUploaded: written.bytesWritten,
  };
}

