import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '../src/index.js';

/** The fault proxy itself: each action does what it says, and only to the requests it names. */
let registry: TestRegistry;
let proxy: FaultProxy;
beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

/** A raw GET, reporting how the connection ended rather than throwing. */
function get(path: string): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request(`${proxy.url}${path}`, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode, body, error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ body: '', error: e.code ?? e.message }));
    req.end();
  });
}

describe('fault proxy', () => {
  it('passes requests through, Host header and all, when no rule matches', async () => {
    const res = await get('/v2/');
    expect(res).toMatchObject({ status: 200, body: '{}' });
  });

  it('answers a status with Retry-After for the next K matches, then lets the rest through', async () => {
    proxy.addRule({ path: /^\/v2\/$/, times: 2, action: { type: 'status', status: 429, retryAfter: '3' } });
    expect((await get('/v2/')).status).toBe(429);
    expect((await get('/v2/')).status).toBe(429);
    expect((await get('/v2/')).status).toBe(200);
    proxy.clearRules();
  });

  it('resets the connection', async () => {
    proxy.addRule({ path: /^\/v2\/$/, action: { type: 'reset' } });
    expect((await get('/v2/')).error).toMatch(/ECONNRESET|socket hang up/);
    proxy.clearRules();
  });

  it('truncates a response body', async () => {
    proxy.addRule({ path: /_catalog/, action: { type: 'truncate', bytes: 5 } });
    const res = await get('/v2/_catalog');
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"rep');
    expect(res.error).toBeDefined();
    proxy.clearRules();
  });

  it('stalls a request for the time it is told', async () => {
    proxy.addRule({ path: /^\/v2\/$/, action: { type: 'stall', ms: 300 } });
    const started = Date.now();
    expect((await get('/v2/')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    proxy.clearRules();
  });

  it('faults by probability from a seeded generator, the same way every time', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
