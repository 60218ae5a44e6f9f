import { describe, expect, it } from 'vitest';
import { PushError } from '../src/errors.js';
import { RetryBudget } from '../src/registry/retry-budget.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableError, isRetryableStatus, parseRetryAfter, sleep } from '../src/registry/retry-policy.js';

describe('retry policy', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries HTTP %i', (status) => expect(isRetryableStatus(status)).toBe(true));
  it.each([400, 401, 403, 404, 405, 409, 413, 501])('does not retry HTTP %i', (status) => expect(isRetryableStatus(status)).toBe(false));

  it('retries network trouble, timeouts and lost upload sessions, nothing permanent', () => {
    expect(isRetryableError(new PushError('NETWORK', 'reset'))).toBe(true);
    expect(isRetryableError(new PushError('TIMEOUT', 'stalled'))).toBe(true);
    expect(isRetryableError(new PushError('BLOB_UPLOAD_UNKNOWN', 'gone', { status: 404 }))).toBe(true);
    expect(isRetryableError(new PushError('REGISTRY', 'bad gateway', { status: 502 }))).toBe(true);
    for (const code of ['DENIED', 'UNAUTHORIZED', 'NAME_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_INVALID', 'DIGEST_MISMATCH', 'TLS', 'ABORTED'] as const) {
      expect(isRetryableError(new PushError(code, 'x', { status: code === 'DENIED' ? 403 : 400 }))).toBe(false);
    }
    expect(isRetryableError(new Error('plain'))).toBe(false);
  });

  it('backs off exponentially with equal jitter, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(['3'], now)).toBe(3000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('stops a sleep as soon as the push is aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await expect(sleep(10_000, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('RetryBudget', () => {
  it('refuses a wait longer than what is left of the push, saying so', () => {
    let now = 0;
    const budget = new RetryBudget(10_000, () => now);
    expect(() => budget.checkWait(5_000, 'HEAD /v2/a')).not.toThrow();
    now = 8_000;
    expect(() => budget.checkWait(5_000, 'HEAD /v2/a answered 429')).toThrowError(
      expect.objectContaining({ code: 'TIMEOUT', message: "HEAD /v2/a answered 429: waiting 5.0 s would exceed the push's time budget (2.0 s left)" }),
    );
    now = 10_001;
    expect(() => budget.checkTime('PUT')).toThrowError(/time budget is spent/);
  });

  it('pauses every request to a host that asked to slow down, and no other host', async () => {
    const budget = new RetryBudget(undefined);
    budget.pauseHost('r.io', 150);
    const started = Date.now();
    await budget.waitForHost('other.io');
    expect(Date.now() - started).toBeLessThan(50);
    await Promise.all([budget.waitForHost('r.io'), budget.waitForHost('r.io')]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
