import type { LookupFunction } from 'node:net';
import { selectAdapter, type RegistryAdapter, type RegistryCapabilities } from './adapter.js';
import { OpenSessions, transferBlob } from './blob-transfer.js';
import { blobExists, mountBlob, type RepositoryTarget } from './blob-upload.js';
import { memoryBlobLocations, type BlobLocations } from './blob-locations.js';
import { compressLayers, DEFAULT_COMPRESSION, type CompressionSettings } from './compress-layers.js';
import { memoryCompressionCache, type CompressionCache } from './compression-cache.js';
import { selectPlatforms, type PlatformSpec } from './platforms.js';
import type { Descriptor } from './descriptor.js';
import { DEFAULT_TAG, planDestinations, type DestinationPlan } from './destinations.js';
import { writeLayoutContent, writeLayoutRefs, type LayoutDestination, type LayoutWriteResult } from './layout-destination.js';
import { isPushError, PushError } from './errors.js';
import type { PushEventListener } from './events.js';
import { loadImageGraph, type ManifestNode } from './image-graph.js';
import type { ImageSource } from './image-source.js';
import { Limiter } from './limiter.js';
import { manifestExists, putManifest } from './manifest-push.js';
import type { ImageReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { RetryBudget } from './retry-budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import type { TlsSettings } from './tls-settings.js';
import { Transport, type TransportTimeouts } from './transport.js';

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

export const DEFAULT_CONCURRENCY = 4;
/** An upload that moves no bytes for this long is aborted and retried. */
export const DEFAULT_STALL_MS = 60_000;
/** An interrupted push gives each DELETE of its open upload sessions this long. */
const CANCEL_TIMEOUT_MS = 2_000;
/** Progress events for one blob at most this often. */
const PROGRESS_INTERVAL_MS = 500;

interface Registry {
  adapter: RegistryAdapter;
  client: RegistryClient;
  capabilities: RegistryCapabilities;
  limiter: Limiter;
}

interface Destination extends RepositoryTarget {
  name: string;
  registryName: string;
  registry: Registry;
  plan: DestinationPlan;
  result: DestinationResult;
  repositoryCreated?: Promise<boolean>;
}

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

class PushRun {
  readonly locations: BlobLocations;
  readonly sessions = new OpenSessions();
  private readonly policy: RetryPolicy;
  private readonly budget: RetryBudget;
  private readonly stallMs: number;
  private readonly registries = new Map<string, Registry>();
  /** Registry + digest → the repository that holds (or is receiving) the blob in this run. */
  private readonly holders = new Map<string, Promise<string>>();
  /** Destination + digest → the blob's placement there. */
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly emit: PushEventListener;

  constructor(
    private readonly options: PushOptions,
    private readonly transport: Transport,
    private readonly signal: AbortSignal,
  ) {
    this.locations = options.blobLocations ?? memoryBlobLocations();
    this.emit = options.onEvent ?? (() => {});
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
    this.budget = new RetryBudget(options.timeoutMs);
    this.stallMs = options.timeouts?.stallMs ?? DEFAULT_STALL_MS;
  }

  destination(plan: DestinationPlan, digest: string): Destination {
    return {
      name: `${plan.registry}/${plan.repository}`,
      registryName: plan.registry,
      registry: this.registry(plan.registry),
      client: this.registry(plan.registry).client,
      repository: plan.repository,
      signal: this.signal,
      plan,
      result: {
        name: `${plan.registry}/${plan.repository}`,
        registry: plan.registry,
        repository: plan.repository,
        tags: plan.tags,
        digest,
        blobsUploaded: 0,
        blobsMounted: 0,
        blobsSkipped: 0,
        bytesUploaded: 0,
      },
    };
  }

  async pushTree(dest: Destination, node: ManifestNode): Promise<void> {
    const manifest = node.descriptor;
    if (await manifestExists(dest, manifest)) {
      // The registry validated this manifest's references when it was pushed: nothing below it is missing.
      this.emit({ type: 'manifest-skipped', destination: dest.name, digest: manifest.digest });
      return;
    }
    const largestFirst = [...node.blobs].sort((a, b) => b.size - a.size);
    await Promise.all([...node.children.map((child) => this.pushTree(dest, child)), ...largestFirst.map((blob) => this.ensureBlob(dest, blob))]);
    await this.inRepository(dest, () => putManifest(dest, manifest, node.bytes, manifest.digest));
    this.emit({ type: 'manifest-pushed', destination: dest.name, digest: manifest.digest, reference: manifest.digest });
  }

  async pushTags(dest: Destination, root: ManifestNode): Promise<void> {
    for (const tag of dest.plan.tags) {
      await putManifest(dest, root.descriptor, root.bytes, tag);
      this.emit({ type: 'manifest-pushed', destination: dest.name, digest: root.descriptor.digest, reference: tag });
    }
  }

  private registry(name: string): Registry {
    let registry = this.registries.get(name);
    if (!registry) {
      const adapter = selectAdapter(this.options.adapters, name);
      if (!adapter) throw new PushError('USAGE', `no registry adapter handles ${name}`);
      const capabilities = adapter.capabilities(name);
      const host = adapter.apiHost?.(name) ?? name;
      const concurrency = Math.min(this.options.concurrency ?? DEFAULT_CONCURRENCY, capabilities.maxConcurrency ?? Infinity);
      registry = {
        adapter,
        capabilities,
        limiter: new Limiter(concurrency),
        client: new RegistryClient({
          transport: this.transport,
          host,
          plainHttp: this.options.plainHttpHosts?.includes(name) ?? false,
          credential: () => adapter.resolveCredentials(name, { signal: this.signal }),
          retryPolicy: this.policy,
          budget: this.budget,
          onEvent: this.emit,
        }),
      };
      this.registries.set(name, registry);
    }
    return registry;
  }

  /** Each blob is placed in each repository once, however many manifests list it. */
  private ensureBlob(dest: Destination, blob: Descriptor): Promise<void> {
    const key = `${dest.name}\0${blob.digest}`;
    let ensured = this.ensured.get(key);
    if (!ensured) {
      ensured = this.placeInRepository(dest, blob);
      this.ensured.set(key, ensured);
    }
    return ensured;
  }

  /**
   * Each blob is sent to a registry once per run: the first repository that needs it uploads it
   * (or finds it there); every other repository of the same registry mounts it from that one.
   */
  private async placeInRepository(dest: Destination, blob: Descriptor): Promise<void> {
    const key = `${dest.registryName}\0${blob.digest}`;
    const holder = this.holders.get(key);
    if (holder) {
      const from = await holder;
      await dest.registry.limiter.run(() => this.placeBlob(dest, blob, [from], false));
      return;
    }
    const origin = this.options.source.origin;
    const fromOrigin = origin?.registry === dest.registryName ? [origin.repository] : [];
    const candidates = [...fromOrigin, ...this.locations.lookup(dest.registryName, blob.digest)];
    const placing = dest.registry.limiter
      .run(() => this.inRepository(dest, () => this.placeBlob(dest, blob, candidates, true)))
      .then(() => dest.repository);
    this.holders.set(key, placing);
    await placing;
  }

  /** Runs `step`; on NAME_UNKNOWN asks the adapter to create the repository (once) and runs it again. */
  private async inRepository<T>(dest: Destination, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      const adapter = dest.registry.adapter;
      if (!isPushError(error) || error.code !== 'NAME_UNKNOWN' || !adapter.createRepository) throw error;
      dest.repositoryCreated ??= adapter.createRepository(dest.registryName, dest.repository, { signal: this.signal });
      if (!(await dest.repositoryCreated)) throw error;
      return step();
    }
  }

  private async placeBlob(dest: Destination, blob: Descriptor, mountFrom: string[], probe: boolean): Promise<void> {
    const event = { destination: dest.name, digest: blob.digest, size: blob.size };
    if (probe && (await blobExists(dest, blob))) {
      dest.result.blobsSkipped++;
      this.locations.remember(dest.registryName, dest.repository, blob.digest);
      this.emit({ type: 'blob-skipped', ...event });
      return;
    }
    let session: URL | undefined;
    for (const from of dest.registry.capabilities.mount ? mountFrom.filter((r) => r !== dest.repository) : []) {
      const mount = await mountBlob(dest, blob, from);
      if (mount.mounted) {
        dest.result.blobsMounted++;
        this.locations.remember(dest.registryName, dest.repository, blob.digest);
        this.emit({ type: 'blob-mounted', ...event, from });
        return;
      }
      session = mount.session;
      if (session) break;
    }
    this.emit({ type: 'blob-started', ...event });
    let lastProgress = Date.now();
    await transferBlob(dest, blob, {
      capabilities: dest.registry.capabilities,
      stallMs: this.stallMs,
      open: () => this.options.source.openBlob(blob),
      ...(session ? { session } : {}),
      onBytes: (sent) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        this.emit({ type: 'blob-progress', ...event, sent });
      },
      emit: this.emit,
      sessions: this.sessions,
    });
    dest.result.blobsUploaded++;
    dest.result.bytesUploaded += blob.size;
    this.locations.remember(dest.registryName, dest.repository, blob.digest);
    this.emit({ type: 'blob-uploaded', ...event });
  }
}
