import { setMaxListeners } from 'node:events';
import type { LookupFunction } from 'node:net';
import type { RegistryAdapter } from './adapter.js';
import type { BlobLocations } from './blob-locations.js';
import type { Descriptor } from './descriptor.js';
import { DEFAULT_COMPRESSION, startLayerCompression, type CompressionSettings } from './compress-layers.js';
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
  // Each layer goes up as soon as it is compressed, while the others are still compressing.
  const ready = new ReadyLayers();
  const compression = await startLayerCompression(selected, options.source, { settings: options.compression ?? DEFAULT_COMPRESSION, cache: compressionCache, emit, onLayer: ready.add });
  const session = new PushSession({ ...options, source: compression.source, onEvent: emit });
  ready.attach((blob) => session.prefetch(blob));
  try {
    const result = await session.push(await compression.root);
    await compressionCache.save();
    return { ...result, sourceDigest: loaded.descriptor.digest };
  } catch (error) {
    await session.fail(error);
    throw error;
  } finally {
    await session.close();
    await compression.cleanup();
  }
}

/** Layers compressed before the push session exists wait here, and are handed over when it does. */
class ReadyLayers {
  private readonly waiting: Descriptor[] = [];
  private sink: ((blob: Descriptor) => void) | undefined;

  readonly add = (blob: Descriptor): void => {
    if (this.sink) this.sink(blob);
    else this.waiting.push(blob);
  };

  attach(sink: (blob: Descriptor) => void): void {
    this.sink = sink;
    for (const blob of this.waiting.splice(0)) sink(blob);
  }
}

/**
 * One push's connections and registry work, open from before the image's final digest is known
 * (layers still compressing) until its tags are written or it fails.
 */
class PushSession {
  private readonly transport: Transport;
  private readonly abort = new AbortController();
  private readonly onAbort = (): void => this.abort.abort(this.options.signal?.reason);
  private readonly run: PushRun;

  constructor(private readonly options: PushOptions) {
    this.transport = new Transport({
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    // Every request in flight listens on this signal: with --concurrency above 10, Node would warn
    // of a listener leak that is none (each request removes its listener when it ends).
    setMaxListeners(0, this.abort.signal);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.run = new PushRun(options, this.transport, this.abort.signal);
  }

  /** Starts placing a blob in every registry repository pushed to (not in layout destinations). */
  prefetch(blob: Descriptor): void {
    if (this.abort.signal.aborted) return;
    for (const ref of this.options.destinations) this.run.prefetchBlob(ref.registry, ref.repository, blob);
  }

  async push(root: ManifestNode): Promise<Omit<PushResult, 'sourceDigest'>> {
    const options = this.options;
    const run = this.run;
    const layouts = options.layoutDestinations ?? [];
    const plans = options.destinations.length === 0 && layouts.length > 0 ? [] : planDestinations(options.destinations, options.tags ?? [], root.descriptor.digest);
    const emit = options.onEvent ?? (() => {});
    const layoutTargets = layouts.map((l) => ({ ...l, refs: withDefaultRef([...l.refs, ...(options.tags ?? [])]) }));
    const destinations = plans.map((plan) => run.destination(plan, root.descriptor.digest));
    const [, written] = await Promise.all([
      Promise.all(destinations.map((d) => run.pushTree(d, root))),
      Promise.all(layoutTargets.map((l) => writeLayoutContent(l, root, options.source, emit))),
    ]);
    await Promise.all([...destinations.map((d) => run.pushTags(d, root)), ...layoutTargets.map((l) => writeLayoutRefs(l, root, emit))]);
    await run.locations.save();
    const layoutResults = layoutTargets.map((l, i) => layoutResult(l, written[i]!, root.descriptor.digest));
    return { digest: root.descriptor.digest, mediaType: root.descriptor.mediaType, destinations: [...destinations.map((d) => d.result), ...layoutResults] };
  }

  /** Stops the other transfers at once (their failures would only repeat this one) and closes their sessions. */
  async fail(error: unknown): Promise<void> {
    this.abort.abort(error);
    await this.run.sessions.cancelAll(CANCEL_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    await this.transport.close();
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

