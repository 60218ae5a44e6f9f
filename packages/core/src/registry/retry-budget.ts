import { PushError } from '../errors.js';
import { sleep } from './retry-policy.js';

/**
 * The push's total time budget, shared by every request, and per-host pauses: when a registry
 * says "slow down" (429, or 503 with Retry-After) every request to that host waits, not just the
 * one that was told.
 */
export class RetryBudget {
  private readonly deadline: number;
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    timeoutMs: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = timeoutMs === undefined ? Infinity : now() + timeoutMs;
  }

  remainingMs(): number {
    return this.deadline - this.now();
  }

  /** Fails when waiting `ms` would overrun the push's budget. */
  checkWait(ms: number, what: string): void {
    const remaining = this.remainingMs();
    if (ms > remaining) {
      throw new PushError('TIMEOUT', `${what}: waiting ${formatSeconds(ms)} would exceed the push's time budget (${formatSeconds(Math.max(remaining, 0))} left)`);
    }
  }

  /** Every request to `host` waits at least until `now + ms`. */
  pauseHost(host: string, ms: number): void {
    const until = this.now() + ms;
    if (until > (this.pausedUntil.get(host) ?? 0)) this.pausedUntil.set(host, until);
  }

  async waitForHost(host: string, signal?: AbortSignal): Promise<void> {
    const wait = (this.pausedUntil.get(host) ?? 0) - this.now();
    if (wait > 0) await sleep(wait, signal);
  }

  /** Fails once the budget is spent, so no new request starts after the deadline. */
  checkTime(what: string): void {
    if (this.remainingMs() <= 0) throw new PushError('TIMEOUT', `${what}: the push's time budget is spent`);
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
