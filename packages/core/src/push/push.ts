import type { LookupFunction } from 'node:net';
import type { RegistryAdapter } from '../adapter.js';
import type { BlobLocations } from './blob-locations.js';
import type { Descriptor } from '../descriptor.js';
import { startLayerCompression } from '../compression/compress-layers.js';
import { DEFAULT_COMPRESSION, type CompressionSettings } from '../compression/layer-compressor.js';
import { memoryCompressionCache, type CompressionCache } from '../compression/compression-cache.js';
import { startDeadline, type Deadline } from '../deadline.js';
import { isPushError } from '../errors.js';
import type { PushEventListener } from './events.js';
import { loadImageGraph, type ManifestNode } from './image-graph.js';
import type { ImageSource } from '../sources/image-source.js';
import type { DaemonDestination } from '../daemon/daemon-load.js';
import type { LayoutDestination } from './layout-destination.js';
import { annotateRoot } from './annotate.js';
import { selectPlatforms, type PlatformSpec } from './platforms.js';
import { imagePlatform } from '../sources/image-config.js';
import { imageStarted } from './image-started.js';
import { PushPool } from '../plan/push-pool.js';
import { checkPushAccessIn } from './access-check.js';
import { PushSession, transportOptions } from './push-session.js';
import type { ImageReference } from '../reference.js';
import type { RetryPolicy } from '../registry/retry-policy.js';
import type { TlsSettings } from '../registry/tls-settings.js';
import type { TransportTimeouts } from '../registry/transport.js';

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
  /** Docker daemons to load the image into (`docker-daemon:NAME:TAG` destinations). */
  daemonDestinations?: readonly DaemonDestination[];
  /** Where DOCKER_HOST and its TLS settings are read for daemon destinations; the process's by default. */
  env?: NodeJS.ProcessEnv;
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
  /** How uncompressed layers are sent (default DEFAULT_COMPRESSION: gzip, level 1). */
  compression?: CompressionSettings;
  compressionCache?: CompressionCache;
  /** Only these platforms of an index (`--platform`); all when empty. */
  platforms?: readonly PlatformSpec[];
  /** Set on the root manifest (an index's own, for an index), over its own; the digest changes. */
  annotations?: Readonly<Record<string, string>>;
  /** Retries per request and backoff; see DEFAULT_RETRY_POLICY. */
  retryPolicy?: Partial<RetryPolicy>;
  /**
   * Total time the push may take, retries and waits included: when it is up, every request,
   * response body, source read and layout write in flight stops, and the push fails with TIMEOUT.
   */
  timeoutMs?: number;
  /**
   * Instead of `timeoutMs`: a deadline already running (startDeadline), so that the time spent
   * opening the source counts, and the source's reads stop at the same moment as the push.
   */
  deadline?: Deadline;
  timeouts?: Partial<TransportTimeouts & { stallMs: number }>;
  onEvent?: PushEventListener;
  /** Told every token the push fetches from a token service, so that whoever prints can mask it. */
  onSecret?: (secret: string) => void;
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
  /** The source's own digest: differs from `digest` when the push changed the image on the way (`rewrites`). */
  sourceDigest: string;
  /** What changed the digest on the way, in the order it was done; empty when `digest` is `sourceDigest`. */
  rewrites: DigestRewrite[];
  mediaType: string;
  destinations: DestinationResult[];
}

/** `platforms`: --platform kept some entries of an index; `compression`: layers compressed; `annotations`: set on the root. */
export type DigestRewrite = 'platforms' | 'compression' | 'annotations';

export function pushImage(options: PushOptions): Promise<PushResult> {
  return pushImageIn(options);
}

/** pushImage, as one image of a plan when given the plan's pool (pushImages). */
export async function pushImageIn(options: PushOptions, pool?: PushPool): Promise<PushResult> {
  // Once the push has failed, layers still compressing stop, and nothing more is reported: the
  // failure is the last word.
  const stop = new AbortController();
  const emit: PushEventListener = (event) => {
    if (!stop.signal.aborted) options.onEvent?.(event);
  };
  options.signal?.throwIfAborted();
  const deadline = options.deadline ?? startDeadline(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  // A push of its own is a plan of one: the checks before work and the push share its connections, ping and tokens.
  const own = pool ? undefined : new PushPool(transportOptions(options), deadline.remainingMs(), signal);
  try {
    return await pushWithin({ ...options, signal, deadline }, stop, emit, (pool ?? own)!);
  } catch (error) {
    // Whatever stopped at the deadline (a layout write, a wait) reports it as the time limit.
    throw deadline.signal.aborted && !(isPushError(error) && error.code === 'TIMEOUT') ? deadline.signal.reason : error;
  } finally {
    if (!options.deadline) deadline.clear();
    await own?.close();
  }
}

async function pushWithin(options: PushOptions & { signal: AbortSignal }, stop: AbortController, emit: PushEventListener, pool: PushPool): Promise<PushResult> {
  const loaded = await loadImageGraph(options.source);
  options.signal.throwIfAborted();
  const wanted = options.platforms ?? [];
  // A single image passes --platform when its config names a wanted platform (its first blob is the config).
  const single = wanted.length > 0 && loaded.children.length === 0 ? await imagePlatform(options.source, loaded.blobs[0]!) : undefined;
  const selected = selectPlatforms(loaded, wanted, single);
  emit(imageStarted(options, selected));
  // Checks before work, once the source's documents have proved sound and before a layer is
  // compressed or a byte sent: a registry that is down or refuses the credentials fails here.
  await checkPushAccessIn({ ...options, onEvent: emit }, pool, selected.descriptor);
  const compressionCache = options.compressionCache ?? memoryCompressionCache();
  // Each layer goes up as soon as it is compressed, while the others are still compressing.
  const ready = new ReadyLayers();
  const compression = await startLayerCompression(selected, options.source, {
    settings: options.compression ?? DEFAULT_COMPRESSION,
    cache: compressionCache,
    emit,
    onLayer: ready.add,
    signal: AbortSignal.any([stop.signal, options.signal]),
  });
  const session = new PushSession({ ...options, source: compression.source, onEvent: emit }, pool);
  ready.attach((blob) => session.prefetch(blob));
  try {
    const compressed = await compression.root;
    const root = annotateRoot(compressed, options.annotations);
    const result = await session.push(root);
    await compressionCache.save();
    return { ...result, sourceDigest: loaded.descriptor.digest, rewrites: rewritesOf(loaded, { platforms: selected, compression: compressed, annotations: root }) };
  } catch (error) {
    stop.abort(error);
    await session.fail(error);
    throw error;
  } finally {
    await session.close();
    await compression.cleanup();
  }
}

/** Each step whose node's digest differs from the one before it. */
function rewritesOf(source: ManifestNode, steps: Record<DigestRewrite, ManifestNode>): DigestRewrite[] {
  let before = source.descriptor.digest;
  const rewrites: DigestRewrite[] = [];
  for (const [rewrite, node] of Object.entries(steps) as [DigestRewrite, ManifestNode][]) {
    if (node.descriptor.digest !== before) rewrites.push(rewrite);
    before = node.descriptor.digest;
  }
  return rewrites;
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
