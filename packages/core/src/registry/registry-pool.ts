import { selectAdapter, type AccessRefusal } from '../adapter.js';
import { PushError } from '../errors.js';
import type { PushEventListener } from '../push/events.js';
import type { RegistrySourceOptions } from '../sources/registry-source.js';
import type { Deadline } from '../deadline.js';
import { adapterCredentials } from './adapter-context.js';
import { PullAllowance } from './pull-allowance.js';
import { RegistryClient } from './registry-client.js';
import { registryReaderOf, type RegistryReader } from './registry-reader.js';
import { RetryBudget } from './retry-budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { Transport } from './transport.js';
import { allowsPlainHttp } from './plain-http.js';

export interface RegistryPoolOptions extends RegistrySourceOptions {
  retryPolicy?: Partial<RetryPolicy>;
  /** The run's time limit: no retry waits past it (its signal stops requests in flight). */
  deadline?: Deadline;
  /** Told of retries. */
  onEvent?: PushEventListener;
}

/**
 * The clients a run talks to registries with outside the push engine (the `docker://` sources of
 * a plan, a sync's tag lists and lookups, the verbs' reads and tag PUTs, referrers): one per
 * registry for the whole run, on one transport, so that every image read from a registry shares
 * its connections and tokens, waits when it asks to slow down (429 with Retry-After pauses every
 * request to it, not only the one answered), and counts against what it says is left of its rate
 * limit (PullAllowance). The adapter that owns each registry supplies its API host, credentials
 * and word on refusals; everything stops with `options.signal`.
 */
export class RegistryPool {
  private readonly transport: Transport;
  private readonly budget: RetryBudget;
  private readonly clients = new Map<string, RegistryClient>();
  private readonly allowances = new Map<string, PullAllowance>();
  private readonly readers = new Map<string, RegistryReader>();

  constructor(private readonly options: RegistryPoolOptions) {
    this.transport = new Transport({ ...(options.tls ? { tls: options.tls } : {}), ...(options.lookup ? { lookup: options.lookup } : {}) });
    const remaining = options.deadline?.remainingMs() ?? Infinity;
    this.budget = new RetryBudget(remaining === Infinity ? undefined : remaining);
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** @internal The client every request of the run to `registry` goes through. */
  client(registry: string): RegistryClient {
    let client = this.clients.get(registry);
    if (!client) {
      const adapter = selectAdapter(this.options.adapters, registry);
      if (!adapter) throw new PushError('USAGE', `no registry adapter handles ${registry}`);
      const { signal, onSecret, retryPolicy, onEvent } = this.options;
      const allowance = this.allowance(registry);
      client = new RegistryClient({
        transport: this.transport,
        host: adapter.apiHost?.(registry) ?? registry,
        plainHttp: allowsPlainHttp(this.options.plainHttpHosts, registry),
        credentials: adapterCredentials(adapter, registry, this.transport, signal),
        budget: this.budget,
        onResponse: (headers) => allowance.heard(headers),
        retryPolicy: { ...DEFAULT_RETRY_POLICY, ...retryPolicy },
        ...(onEvent ? { onEvent } : {}),
        ...(onSecret ? { onSecret } : {}),
        ...(adapter.refusalHint ? { refusalHint: (refusal: AccessRefusal) => adapter.refusalHint?.(refusal) } : {}),
      });
      this.clients.set(registry, client);
    }
    return client;
  }

  /** A repository's tags and the digests tags name, from `registry`. */
  reader(registry: string): RegistryReader {
    let reader = this.readers.get(registry);
    if (!reader) this.readers.set(registry, (reader = registryReaderOf(this.client(registry), registry, this.options.signal)));
    return reader;
  }

  /** @internal What is left of `registry`'s pulls, once it has said; a source takes one per image. */
  allowance(registry: string): PullAllowance {
    let allowance = this.allowances.get(registry);
    if (!allowance) this.allowances.set(registry, (allowance = new PullAllowance(registry)));
    return allowance;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
