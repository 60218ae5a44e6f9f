import { PushError } from '../errors.js';

/**
 * What a registry says is left of its rate limit, from the `RateLimit-Remaining` header of the
 * IETF draft (`76;w=21600`: 76 left in a window of 21600 s) that Docker Hub sends with every
 * manifest response, HEADs included, which it does not count.
 */
export interface RateLimitLeft {
  remaining: number;
  limit?: number;
  windowSeconds?: number;
}

export function rateLimitLeft(headers: Readonly<Record<string, string | string[] | undefined>>): RateLimitLeft | undefined {
  const remaining = quota(headers['ratelimit-remaining']);
  if (!remaining) return undefined;
  const limit = quota(headers['ratelimit-limit']);
  return {
    remaining: remaining.count,
    ...(limit ? { limit: limit.count } : {}),
    ...(remaining.window !== undefined ? { windowSeconds: remaining.window } : {}),
  };
}

function quota(value: string | string[] | undefined): { count: number; window?: number } | undefined {
  const m = typeof value === 'string' ? /^\s*(\d+)\s*(?:;\s*w=(\d+))?/.exec(value) : null;
  if (!m) return undefined;
  return { count: Number(m[1]), ...(m[2] !== undefined ? { window: Number(m[2]) } : {}) };
}

/**
 * The pulls a run may still start from one registry. Each image read from it costs a pull (its
 * manifest GET, which Docker Hub counts); once the registry has said how many are left, no more
 * than that start, so a sync of 300 tags against 100 pulls left copies 100 and reports the rest
 * at once, rather than sending 200 requests that would each be refused with 429 and retried.
 * The count only falls during a run: answers to requests sent earlier cannot raise it.
 */
export class PullAllowance {
  private left: RateLimitLeft | undefined;
  private started = 0;

  constructor(private readonly registry: string) {}

  /** Reads a response's headers; a registry that sends none leaves the allowance unlimited. */
  heard(headers: Readonly<Record<string, string | string[] | undefined>>): void {
    const said = rateLimitLeft(headers);
    if (said && (this.left === undefined || said.remaining < this.left.remaining - this.started)) {
      this.left = said;
      this.started = 0;
    }
  }

  /** How many more pulls the registry allows, as far as it has said; undefined when it has not. */
  get pullsLeft(): number | undefined {
    return this.left === undefined ? undefined : Math.max(0, this.left.remaining - this.started);
  }

  /** Counts one pull about to start, or fails when the registry said none are left. */
  take(): void {
    const left = this.pullsLeft;
    if (left === 0) throw new PushError('TOOMANYREQUESTS', `${this.registry} allows no more pulls for now (${this.describe()}): not copied; run again when its window turns (a re-run copies only what is left), or log in to ${this.registry} for a higher limit`);
    this.started++;
  }

  private describe(): string {
    const { limit, windowSeconds } = this.left!;
    const window = windowSeconds === undefined ? '' : ` per ${windowSeconds % 3600 === 0 ? `${windowSeconds / 3600} h` : `${windowSeconds} s`}`;
    return `RateLimit-Remaining 0${limit === undefined ? '' : ` of ${limit}`}${window}`;
  }
}
