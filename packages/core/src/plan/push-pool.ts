import { TokenCache } from '../registry/auth.js';
import type { Connection } from '../registry/registry-client.js';
import { RetryBudget } from '../registry/retry-budget.js';
import { Transport, type TransportOptions } from '../registry/transport.js';
import { Limiter } from '../push/limiter.js';

/**
 * What the pushes of one plan share, so that many images going up at once cost what one push
 * would: one connection pool, one ping, one token cache and one limit on blob transfers per registry, and
 * one upload per blob per registry; a registry that asks to slow down (429 with Retry-After) is
 * waited for by every image. An image that needs a blob another image is uploading waits
 * for that upload and mounts it, rather than sending the same bytes at the same moment.
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
  private readonly tokens = new Map<string, TokenCache>();
  private readonly limiters = new Map<string, Limiter>();

  constructor(options: TransportOptions, remainingMs: number) {
    this.transport = new Transport(options);
    this.budget = new RetryBudget(remainingMs === Infinity ? undefined : remainingMs);
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
