import { PushError } from '../errors.js';

/**
 * When and how long to wait before trying again. Transient trouble — a reset connection, a
 * timeout, a load balancer's 502, a registry's 429 — is retried with exponential backoff and
 * jitter; a Retry-After from the registry is honoured up to a ceiling. Everything else
 * (400, 401 after one token refresh, 403, 404, DIGEST_INVALID, MANIFEST_INVALID) fails at once.
 */
export interface RetryPolicy {
  /** Retries per request (attempts = retries + 1). */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After hoist waits; a registry asking for more fails the push. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 120_000,
};

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Transport failures worth another try: the next connection may well succeed. */
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set(['NETWORK', 'TIMEOUT']);

/** Upload-session failures that a fresh session cures (a registry restart, a lost session). */
const RETRYABLE_REGISTRY_CODES: ReadonlySet<string> = new Set(['BLOB_UPLOAD_UNKNOWN', 'BLOB_UPLOAD_INVALID']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof PushError)) return false;
  if (RETRYABLE_ERROR_CODES.has(error.code) || RETRYABLE_REGISTRY_CODES.has(error.code)) return true;
  return error.status !== undefined && RETRYABLE_STATUSES.has(error.status);
}

/**
 * "Equal jitter" (AWS architecture blog, "Exponential Backoff and Jitter"): half the exponential
 * step is fixed, half random. Unlike full jitter it guarantees the waits grow, so five retries
 * always span a registry restart of a few seconds, while still spreading a fleet's retries.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(step / 2 + random() * (step / 2));
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` (RFC 9110 §10.2.3), in ms. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(date - now, 0);
}

/** Waits `ms`, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new PushError('ABORTED', 'push aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new PushError('ABORTED', 'push aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
