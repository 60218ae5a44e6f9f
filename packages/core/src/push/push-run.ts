import { selectAdapter, type AccessRefusal, type RegistryAdapter, type RegistryCapabilities } from '../adapter.js';
import { OpenSessions, transferBlob } from './blob-transfer.js';
import { blobExists, mountBlob, type RepositoryTarget } from './blob-upload.js';
import { memoryBlobLocations, type BlobLocations } from './blob-locations.js';
import type { Descriptor } from '../descriptor.js';
import type { DestinationPlan } from './destinations.js';
import { isPushError, PushError } from '../errors.js';
import type { PushEventListener } from './events.js';
import type { ManifestNode } from './image-graph.js';
import { Limiter } from './limiter.js';
import type { PushPool } from '../plan/push-pool.js';
import { manifestExists, putManifest, tagDigest } from './manifest-push.js';
import type { DestinationResult, PushOptions } from './push.js';
import { RegistryClient } from '../registry/registry-client.js';
import { RetryBudget } from '../registry/retry-budget.js';
import { SharedReads } from './shared-read.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../registry/retry-policy.js';
import { adapterCall } from '../registry/adapter-call.js';
import { adapterCredentials } from '../registry/adapter-context.js';
import { allowsPlainHttp } from '../registry/plain-http.js';
import type { Transport } from '../registry/transport.js';
import type { ImageSource } from '../sources/image-source.js';

/** Blob transfers at once per registry, unless the user or the adapter says otherwise. */
export const DEFAULT_CONCURRENCY = 4;
/** An upload that moves no bytes for this long is aborted and retried. */
export const DEFAULT_STALL_MS = 60_000;
/** Progress events for one blob at most this often. */
const PROGRESS_INTERVAL_MS = 500;

/** A push's options; an access check (access-check.ts) has no source, and places no blobs. */
export type PushRunOptions = Omit<PushOptions, 'source'> & Partial<Pick<PushOptions, 'source'>>;

interface Registry {
  adapter: RegistryAdapter;
  client: RegistryClient;
  capabilities: RegistryCapabilities;
  limiter: Limiter;
}

export interface Destination extends RepositoryTarget {
  name: string;
  registryName: string;
  registry: Registry;
  plan: DestinationPlan;
  result: DestinationResult;
  repositoryCreated?: Promise<boolean>;
}

/**
 * One push's registry work: a client and a concurrency limit per registry, and per destination
 * repository the walk of the image graph — blobs placed (found, mounted or uploaded, each once
 * per repository and once per registry), manifests by digest, then the tags.
 */
export class PushRun {
  readonly locations: BlobLocations;
  readonly sessions = new OpenSessions();
  /** One read of each blob for every registry that uploads it at about the same time. */
  readonly reads: SharedReads;
  private readonly policy: RetryPolicy;
  private readonly budget: RetryBudget;
  private readonly stallMs: number;
  private readonly registries = new Map<string, Registry>();
  /** Registry + digest → the repository that holds (or is receiving) the blob in this run (or plan). */
  private readonly holders: Map<string, Promise<string>>;
  /** Destination + digest → the blob's placement there, for this image. */
  private readonly ensured = new Map<string, Promise<void>>();
  /** Destination + digest → the placement there by any image of the run (or plan). */
  private readonly placements: Map<string, Promise<void>>;
  private readonly emit: PushEventListener;
  private readonly destinations = new Map<string, Destination>();
  private readonly manifestsPresent: Set<string>;
  private readonly registryInfo: Map<string, string>;

  constructor(
    private readonly options: PushRunOptions,
    private readonly transport: Transport,
    private readonly signal: AbortSignal,
    private readonly pool?: PushPool,
  ) {
    this.holders = pool?.holders ?? new Map();
    this.placements = pool?.placements ?? new Map();
    this.manifestsPresent = pool?.manifestsPresent ?? new Set();
    this.registryInfo = pool?.registryInfo ?? new Map();
    this.locations = options.blobLocations ?? memoryBlobLocations();
    this.emit = options.onEvent ?? (() => {});
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
    const remaining = options.deadline?.remainingMs() ?? options.timeoutMs;
    this.budget = pool?.budget ?? new RetryBudget(remaining === Infinity ? undefined : remaining);
    this.stallMs = options.timeouts?.stallMs ?? DEFAULT_STALL_MS;
    this.reads = new SharedReads(new Set(options.destinations.map((d) => d.registry)).size);
  }

  /**
   * The destination for a repository, one object per repository for the whole run, so that
   * blobs placed before the image's digest was known (prefetchBlob) count in its result.
   */
  destination(plan: DestinationPlan, digest: string): Destination {
    const dest = this.repositoryTarget(plan.registry, plan.repository);
    dest.plan = plan;
    dest.result.tags = plan.tags;
    dest.result.digest = digest;
    return dest;
  }

  /**
   * Starts placing a blob in a repository before its manifest is known (a layer compressed on
   * the way goes up while the next ones are still being compressed). The manifest's walk later
   * finds the work done or under way; a failure surfaces there, not here.
   */
  prefetchBlob(registry: string, repository: string, blob: Descriptor): void {
    this.ensureBlob(this.repositoryTarget(registry, repository), blob).catch(() => {});
  }

  private repositoryTarget(registryName: string, repository: string): Destination {
    const name = `${registryName}/${repository}`;
    let dest = this.destinations.get(name);
    if (!dest) {
      const registry = this.registry(registryName);
      dest = {
        name,
        registryName,
        registry,
        client: registry.client,
        repository,
        signal: this.signal,
        plan: { registry: registryName, repository, tags: [] },
        result: { name, registry: registryName, repository, tags: [], digest: '', blobsUploaded: 0, blobsMounted: 0, blobsSkipped: 0, bytesUploaded: 0 },
      };
      this.destinations.set(name, dest);
    }
    return dest;
  }

  /** Runs `step` on each destination repository at once (checks before work). */
  async eachRepository(step: (dest: Destination) => Promise<void>): Promise<void> {
    const repositories = new Map(this.options.destinations.map((ref) => [`${ref.registry}/${ref.repository}`, ref]));
    await Promise.all([...repositories.values()].map((ref) => step(this.repositoryTarget(ref.registry, ref.repository))));
  }

  /** Everything under `node` into the repository, then `node` itself by digest unless `putNode` is false (its tag's PUT will store it). */
  async pushTree(dest: Destination, node: ManifestNode, putNode = true): Promise<void> {
    const manifest = node.descriptor;
    if (await this.hasManifest(dest, manifest)) {
      // The registry validated this manifest's references when it was pushed: nothing below it is missing.
      this.emit({ type: 'manifest-skipped', destination: dest.name, digest: manifest.digest });
      return;
    }
    const largestFirst = [...node.blobs].sort((a, b) => b.size - a.size);
    await Promise.all([...node.children.map((child) => this.pushTree(dest, child)), ...largestFirst.map((blob) => this.ensureBlob(dest, blob))]);
    if (!putNode) return;
    await this.inRepository(dest, () => putManifest(dest, manifest, node.bytes, manifest.digest, this.emit));
    this.emit({ type: 'manifest-pushed', destination: dest.name, digest: manifest.digest, reference: manifest.digest });
  }

  /** Whether the repository holds `manifest`; one found there (by the checks before work, say) is not asked for again. */
  async hasManifest(dest: Destination, manifest: Descriptor): Promise<boolean> {
    const key = `${dest.name}\0${manifest.digest}`;
    if (this.manifestsPresent.has(key)) return true;
    const found = await manifestExists(dest, manifest);
    if (found) this.manifestsPresent.add(key);
    return found;
  }

  async pushTags(dest: Destination, root: ManifestNode): Promise<void> {
    const digest = root.descriptor.digest;
    for (const tag of dest.plan.tags) {
      try {
        await putManifest(dest, root.descriptor, root.bytes, tag, this.emit);
        this.emit({ type: 'manifest-pushed', destination: dest.name, digest, reference: tag });
      } catch (error) {
        await this.immutableTag(dest, tag, digest, error);
        this.emit({ type: 'tag-kept', destination: dest.name, digest, reference: tag });
      }
    }
  }

  /** Returns when a refused tag is immutable and already names `digest`; throws otherwise. */
  private async immutableTag(dest: Destination, tag: string, digest: string, error: unknown): Promise<void> {
    const adapter = dest.registry.adapter;
    const refusal = isPushError(error) ? { status: error.status ?? 0, code: error.code, message: error.detail ?? '' } : undefined;
    if (!refusal || !adapter.isImmutableTagRefusal?.(refusal)) throw error;
    const current = await tagDigest(dest, tag);
    if (current === digest) return;
    throw new PushError('TAG_IMMUTABLE', `tag ${tag} of ${dest.name} already names ${current ?? 'another image'}, and the registry does not move tags in this repository (immutable tags); push under a new tag`, {
      status: refusal.status,
      detail: refusal.message,
      cause: error,
    });
  }

  private get source(): ImageSource {
    if (!this.options.source) throw new Error('a PushRun without a source places no blobs');
    return this.options.source;
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
        limiter: this.pool?.limiterFor(name, concurrency) ?? new Limiter(concurrency),
        client: new RegistryClient({
          transport: this.transport,
          host,
          ...(this.pool ? { tokens: this.pool.tokensFor(name), pings: this.pool.pings } : {}),
          plainHttp: allowsPlainHttp(this.options.plainHttpHosts, name),
          credentials: this.pool?.credentialsFor(name, adapter) ?? adapterCredentials(adapter, name, this.transport, this.signal),
          retryPolicy: this.policy,
          budget: this.budget,
          onEvent: this.emit,
          onResponse: this.responseInfo(name, adapter),
          ...(adapter.refusalHint ? { refusalHint: (refusal: AccessRefusal) => adapter.refusalHint?.(refusal) } : {}),
          ...(this.options.onSecret ? { onSecret: this.options.onSecret } : {}),
        }),
      };
      this.registries.set(name, registry);
    }
    return registry;
  }

  /** Reports what the adapter reads in responses, each time it changes. */
  private responseInfo(registry: string, adapter: RegistryAdapter): ((headers: Readonly<Record<string, string | string[] | undefined>>) => void) | undefined {
    const read = adapter.responseInfo?.bind(adapter);
    if (!read) return undefined;
    return (headers) => {
      const info = read(headers);
      const key = JSON.stringify(info ?? null);
      if (!info || key === this.registryInfo.get(registry)) return;
      this.registryInfo.set(registry, key);
      this.emit({ type: 'registry-info', registry, info });
    };
  }

  /** Each blob is placed in each repository once, however many manifests list it. */
  private ensureBlob(dest: Destination, blob: Descriptor): Promise<void> {
    const key = `${dest.name}\0${blob.digest}`;
    let ensured = this.ensured.get(key);
    if (!ensured) {
      ensured = this.placeOnce(dest, blob, key);
      this.ensured.set(key, ensured);
    }
    return ensured;
  }

  /**
   * ... and once per plan: an image whose blob another image is placing in the same repository
   * (a sync's tags share one) waits for that and counts the blob as there. Two placements of one
   * blob in one repository at once would race in the registry: distribution rewrites the blob's
   * link file in place, and a manifest PUT that reads it meanwhile fails with DIGEST_INVALID.
   */
  private async placeOnce(dest: Destination, blob: Descriptor, key: string): Promise<void> {
    for (let other = this.placements.get(key); other; other = this.placements.get(key)) {
      if (await other.then(() => true, () => false)) {
        dest.result.blobsSkipped++;
        this.emit({ type: 'blob-skipped', destination: dest.name, digest: blob.digest, size: blob.size });
        return;
      }
      // The image that was placing it failed: this one places it (unless another took over).
      if (this.placements.get(key) === other) this.placements.delete(key);
    }
    const placing = this.placeInRepository(dest, blob);
    this.placements.set(key, placing);
    await placing;
  }

  /**
   * Each blob is sent to a registry once per run: the first repository that needs it uploads it
   * (or finds it there); every other repository of the same registry mounts it from that one.
   */
  private async placeInRepository(dest: Destination, blob: Descriptor): Promise<void> {
    const key = `${dest.registryName}\0${blob.digest}`;
    for (let holder = this.holders.get(key); holder; holder = this.holders.get(key)) {
      const from = await holder.catch(() => undefined);
      if (from !== undefined) {
        await dest.registry.limiter.run(() => this.inRepository(dest, () => this.placeBlob(dest, blob, [from], false)));
        return;
      }
      // The image of a plan that was placing it failed: this one places it (unless another took over).
      if (this.holders.get(key) === holder) this.holders.delete(key);
    }
    // From here to holders.set nothing waits, so no other image can start the same upload.
    const origin = this.source.origin;
    const fromOrigin = origin?.registry === dest.registryName ? [origin.repository] : [];
    const candidates = [...fromOrigin, ...this.locations.lookup(dest.registryName, blob.digest)];
    const placing = dest.registry.limiter
      .run(() => this.inRepository(dest, () => this.placeBlob(dest, blob, candidates, true)))
      .finally(() => this.reads.settle(blob.digest, dest.registryName))
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
      dest.repositoryCreated ??= adapterCall(this.signal, () => adapter.createRepository!(dest.registryName, dest.repository, { signal: this.signal }));
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
    const source = this.source;
    await transferBlob(dest, blob, {
      capabilities: dest.registry.capabilities,
      stallMs: this.stallMs,
      open: this.reads.opener(blob, dest.registryName, () => source.openBlob(blob), source.madeHere?.(blob) ?? false),
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
