import { setMaxListeners } from 'node:events';
import type { Descriptor } from '../descriptor.js';
import { DEFAULT_TAG, planDestinations } from './destinations.js';
import type { ManifestNode } from './image-graph.js';
import { loadIntoDaemon, type DaemonDestination } from '../daemon/daemon-load.js';
import { DAEMON_PREFIX } from '../daemon/daemon-source.js';
import { writeLayoutContent, writeLayoutRefs, type LayoutDestination, type LayoutWriteResult } from './layout-destination.js';
import type { DestinationResult, PushOptions, PushResult } from './push.js';
import type { PushPool } from '../plan/push-pool.js';
import { PushRun } from './push-run.js';
import { checkLayoutRefs } from '../sources/layout-ref.js';
import type { Transport, TransportOptions } from '../registry/transport.js';

/** An interrupted push gives each DELETE of its open upload sessions this long. */
const CANCEL_TIMEOUT_MS = 2_000;

/**
 * One push's connections and registry work, open from before the image's final digest is known
 * (layers still compressing) until its tags are written or it fails.
 */
export class PushSession {
  private readonly transport: Transport;
  private readonly abort = new AbortController();
  private readonly onAbort = (): void => this.abort.abort(this.options.signal?.reason);
  private readonly run: PushRun;

  /** On the pool's connections (a plan's, or the push's own), which whoever made the pool closes. */
  constructor(
    private readonly options: PushOptions,
    pool: PushPool,
  ) {
    this.transport = pool.transport;
    // Every request in flight listens on this signal: with --concurrency above 10, Node would warn
    // of a listener leak that is none (each request removes its listener when it ends).
    setMaxListeners(0, this.abort.signal);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    // A signal that came while the image was still being read is not lost: it never fires again.
    if (options.signal?.aborted) this.onAbort();
    this.run = new PushRun(options, this.transport, this.abort.signal, pool);
  }

  /** Starts placing a blob in every registry repository pushed to (not in layout destinations). */
  prefetch(blob: Descriptor): void {
    if (this.abort.signal.aborted) return;
    for (const ref of this.options.destinations) this.run.prefetchBlob(ref.registry, ref.repository, blob);
  }

  async push(root: ManifestNode): Promise<Omit<PushResult, 'sourceDigest' | 'rewrites'>> {
    const options = this.options;
    const run = this.run;
    const layouts = options.layoutDestinations ?? [];
    const daemons = options.daemonDestinations ?? [];
    const plans = options.destinations.length === 0 && layouts.length + daemons.length > 0 ? [] : planDestinations(options.destinations, options.tags ?? [], root.descriptor.digest);
    const emit = options.onEvent ?? (() => {});
    const layoutTargets = layouts.map((l) => ({ ...l, refs: withDefaultRef([...l.refs, ...(options.tags ?? [])]) }));
    // Before anything is written: a ref outside the grammar is refused, never stored.
    for (const l of layoutTargets) checkLayoutRefs(l.path, l.refs);
    const destinations = plans.map((plan) => run.destination(plan, root.descriptor.digest));
    // The root goes up by digest first so that every destination holds it before any tag moves.
    // With one destination and nothing else, its first tag's PUT stores it: one request fewer.
    const tagCarriesRoot = destinations.length === 1 && layoutTargets.length === 0 && daemons.length === 0 && destinations[0]!.plan.tags.length > 0;
    const [, written] = await Promise.all([
      Promise.all(destinations.map((d) => run.pushTree(d, root, !tagCarriesRoot))),
      Promise.all(layoutTargets.map((l) => writeLayoutContent(l, root, options.source, emit, this.abort.signal))),
    ]);
    // Phase two writes tags and refs: an interrupted push must write none.
    this.abort.signal.throwIfAborted();
    // A daemon tags what it loads at once, so the loads come after every destination holds the
    // content and before any tag is written elsewhere: a refused load moves no registry tag.
    const loaded = await Promise.all(daemons.map((d) => loadIntoDaemon(d, root, options.source, { emit, signal: this.abort.signal, ...(options.env ? { env: options.env } : {}) })));
    await Promise.all([...destinations.map((d) => run.pushTags(d, root)), ...layoutTargets.map((l) => writeLayoutRefs(l, root, emit, this.abort.signal))]);
    await run.locations.save();
    const layoutResults = layoutTargets.map((l, i) => layoutResult(l, written[i]!, root.descriptor.digest));
    const daemonResults = daemons.map((d, i) => daemonResult(d, loaded[i]!, root.descriptor.digest));
    return { digest: root.descriptor.digest, mediaType: root.descriptor.mediaType, destinations: [...destinations.map((d) => d.result), ...layoutResults, ...daemonResults] };
  }

  /** Stops the other transfers at once (their failures would only repeat this one) and closes their sessions. */
  async fail(error: unknown): Promise<void> {
    this.abort.abort(error);
    await this.run.sessions.cancelAll(CANCEL_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    this.run.reads.close();
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

export function transportOptions(options: Pick<PushOptions, 'tls' | 'timeouts' | 'lookup'>): TransportOptions {
  return {
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  };
}

/** A layout destination with no ref gets `latest`, as a registry destination with no tag does. */
export function withDefaultRef(refs: string[]): string[] {
  const unique = [...new Set(refs)];
  return unique.length > 0 ? unique : [DEFAULT_TAG];
}

function daemonResult(daemon: DaemonDestination, loaded: { blobs: number; bytes: number }, digest: string): DestinationResult {
  return {
    name: daemon.name,
    registry: 'docker-daemon',
    repository: daemon.name.slice(DAEMON_PREFIX.length),
    tags: daemon.repoTags.map((t) => t.slice(t.lastIndexOf(':') + 1)),
    digest,
    blobsUploaded: loaded.blobs,
    blobsMounted: 0,
    blobsSkipped: 0,
    bytesUploaded: loaded.bytes,
  };
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

