import type { RegistryAdapter } from '../adapter.js';
import { adapterCredentials } from '../registry/adapter-context.js';
import { TokenCache } from '../registry/auth.js';
import type { CredentialSource } from '../registry/credential-source.js';
import type { Connection } from '../registry/registry-client.js';
import { RetryBudget } from '../registry/retry-budget.js';
import { Transport, type TransportOptions } from '../registry/transport.js';
import { Limiter } from '../push/limiter.js';

/**
 * What the pushes of one plan share, so that many images going up at once cost what one push
 * would: one connection pool, and per registry one ping, one credential, one token cache and one
 * limit on blob transfers, and one upload per blob; a registry that asks to slow down (429 with
 * Retry-After) is waited for by every image. An image that needs a blob another image is
 * uploading waits for that upload and mounts it, rather than sending the same bytes at the same
 * moment.
 */
export class PushPool {
  readonly transport: Transport;
  /** Registry + digest → the repository that holds (or is receiving) the blob, for every image. */
  readonly holders = new Map<string, Promise<string>>();
  /** Repository + digest → the blob's placement there, by whichever image came first. */
  readonly placements = new Map<string, Promise<void>>();
  /** The plan's time limit, and the pauses a registry asked for (429 Retry-After), for every image. */
  readonly budget: RetryBudget;
  /** Host → what its ping found, for every image's client. */
  readonly pings = new Map<string, Promise<Connection>>();
  /** Repository + manifest digest → found there (by the checks before work, or an image), so it is asked once. */
  readonly manifestsPresent = new Set<string>();
  /** Registry → what its answers last said (registry-info), so a run reports a change once, whichever of its clients saw it. */
  readonly registryInfo = new Map<string, string>();
  private readonly tokens = new Map<string, TokenCache>();
  private readonly credentials = new Map<string, CredentialSource>();
  private readonly limiters = new Map<string, Limiter>();

  /** `signal` stops the plan: the adapters' answers, which outlive any one image, are asked with it. */
  constructor(
    options: TransportOptions,
    remainingMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.transport = new Transport(options);
    this.budget = new RetryBudget(remainingMs === Infinity ? undefined : remainingMs);
  }

  /** The registry's credential for every image, renewed once for all of them when it expires or is refused. */
  credentialsFor(registry: string, adapter: RegistryAdapter): CredentialSource {
    let credentials = this.credentials.get(registry);
    if (!credentials) this.credentials.set(registry, (credentials = adapterCredentials(adapter, registry, this.transport, this.signal)));
    return credentials;
  }

  tokensFor(registry: string): TokenCache {
    let tokens = this.tokens.get(registry);
    if (!tokens) this.tokens.set(registry, (tokens = new TokenCache()));
    return tokens;
  }

  /** The registry's limit, sized by the first image that reaches it (every image has the same settings). */
  limiterFor(registry: string, concurrency: number): Limiter {
    let limiter = this.limiters.get(registry);
    if (!limiter) this.limiters.set(registry, (limiter = new Limiter(concurrency)));
    return limiter;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
