import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { memoryBlobLocations, openOciLayout, parseReference, pushImage, type PushEvent, type PushOptions } from '@hoist/core';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, tempDir, waitFor } from './helpers.js';

/**
 * Transient faults injected between hoist and a real registry: each push must still land the
 * exact image, with exactly the retries the policy calls for. Permanent faults must fail at once
 * and leave no tag.
 */
let registry: TestRegistry;
let proxy: FaultProxy;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  layout = await tempDir();
  image = await makeImageLayout(layout, [256 * 1024, 96 * 1024, 32 * 1024]);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});
afterEach(() => proxy.clearRules());

let repoCounter = 0;
async function pushThroughProxy(extra: Partial<PushOptions> = {}) {
  const repository = `faults/app${++repoCounter}`;
  const events: PushEvent[] = [];
  const started = Date.now();
  const outcome = await pushImage({
    source: await openOciLayout({ path: layout }),
    destinations: [parseReference(`${proxy.host}/${repository}:v1`)],
    adapters: [genericAdapter({ dockerConfig: '/nonexistent' })],
    blobLocations: memoryBlobLocations(),
    retryPolicy: { baseDelayMs: 40 },
    onEvent: (e) => events.push(e),
    ...extra,
  }).then(
    (result) => ({ result, error: undefined }),
    (error: Error & { code?: string }) => ({ result: undefined, error }),
  );
  return { ...outcome, events, retries: events.filter((e) => e.type === 'retry'), repository, elapsed: Date.now() - started };
}

async function expectLanded(repository: string): Promise<void> {
  expect(sha256(await skopeoRawManifest(`${registry.host}/${repository}:v1`))).toBe(image.manifest.digest);
}

async function expectNoTag(repository: string): Promise<void> {
  expect(await manifestStatus(registry.url, repository, 'v1')).toBe(404);
}

const biggestLayer = () => image.layers[0]!;
/** The monolithic PUT that carries the biggest layer (its bytes, unlike the config's, span several reads). */
const biggestLayerPut = () => new RegExp(`/blobs/uploads/.*digest=${encodeURIComponent(biggestLayer().digest)}`);

describe('transient faults are ridden through', () => {
  it('a connection reset in the middle of a blob upload: that blob restarts on a fresh session', async () => {
    proxy.addRule({ method: 'PUT', path: biggestLayerPut(), action: { type: 'reset', afterBytes: 64 * 1024 } });
    const push = await pushThroughProxy();
    expect(push.error).toBeUndefined();
    expect(push.retries).toHaveLength(1);
    expect(push.retries[0]).toMatchObject({ request: expect.stringMatching(/^upload of blob sha256:/), attempt: 1, attempts: 6 });
    await expectLanded(push.repository);
  });

  it('503 twice on a blob HEAD: the HEAD is retried twice', async () => {
    proxy.addRule({ method: 'HEAD', path: new RegExp(`/blobs/${biggestLayer().digest}`), times: 2, action: { type: 'status', status: 503 } });
    const push = await pushThroughProxy();
    expect(push.error).toBeUndefined();
    expect(push.retries.map((r) => r.type === 'retry' && r.reason)).toEqual(['HTTP 503', 'HTTP 503']);
    await expectLanded(push.repository);
  });

  it('502 from a load balancer on the manifest PUT', async () => {
    proxy.addRule({ method: 'PUT', path: /\/manifests\//, action: { type: 'status', status: 502, body: '<html>Bad Gateway</html>' } });
    const push = await pushThroughProxy();
    expect(push.error).toBeUndefined();
    expect(push.retries).toHaveLength(1);
    await expectLanded(push.repository);
  });

  it("DIGEST_INVALID on the manifest PUT (distribution read a blob link another push was rewriting): tried again", async () => {
    const linkRace = { errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] };
    proxy.addRule({ method: 'PUT', path: /\/manifests\//, action: { type: 'status', status: 400, body: JSON.stringify(linkRace) } });
    const push = await pushThroughProxy();
    expect(push.error).toBeUndefined();
    expect(push.retries).toEqual([expect.objectContaining({ reason: 'DIGEST_INVALID', attempt: 1, waitMs: 250 })]);
    await expectLanded(push.repository);
  });

  it('429 with Retry-After: the wait is honoured and holds back every request to the host', async () => {
    proxy.addRule({ method: 'POST', path: /\/blobs\/uploads\/$/, action: { type: 'status', status: 429, retryAfter: '1' } });
    const mark = proxy.log.length;
    const push = await pushThroughProxy();
    expect(push.error).toBeUndefined();
    expect(push.retries).toEqual([expect.objectContaining({ reason: 'HTTP 429', waitMs: 1000 })]);
    // The 429 paused the host: no request at all reached the proxy in the second that followed.
    const after429 = proxy.log.slice(mark).findIndex((r) => r.fault === 'status');
    expect(after429).toBeGreaterThanOrEqual(0);
    expect(push.elapsed).toBeGreaterThanOrEqual(1000);
    await expectLanded(push.repository);
  });

  it('a registry that goes silent after the body is detected by the response timeout and retried', async () => {
    // 256 KiB fit in the loopback socket buffers: the body is all sent, then nothing comes back.
    proxy.addRule({ method: 'PUT', path: biggestLayerPut(), action: { type: 'stall', afterBytes: 32 * 1024, ms: 20_000 } });
    const push = await pushThroughProxy({ timeouts: { headersMs: 1_000 } });
    expect(push.error).toBeUndefined();
    expect(push.retries).toEqual([expect.objectContaining({ reason: expect.stringContaining('timed out') })]);
    expect(push.elapsed).toBeLessThan(10_000);
    await expectLanded(push.repository);
  });

  it('an upload body that stops moving is detected by the stall guard and retried', async () => {
    // 24 MiB is more than the socket buffers hold, so the stall reaches hoist's own stream.
    const big = await tempDir();
    const bigImage = await makeImageLayout(big, [24 * 1024 * 1024]);
    const layer = bigImage.layers.find((l) => l.size > 1024 * 1024)!;
    proxy.addRule({ method: 'PUT', path: new RegExp(`digest=${encodeURIComponent(layer.digest)}`), action: { type: 'stall', afterBytes: 1024 * 1024, ms: 30_000 } });
    const push = await pushThroughProxy({ source: await openOciLayout({ path: big }), timeouts: { stallMs: 1_000 } });
    expect(push.error).toBeUndefined();
    expect(push.retries).toEqual([expect.objectContaining({ reason: expect.stringContaining('stalled: no bytes moved for 1 s') })]);
    expect(push.elapsed).toBeLessThan(20_000);
    expect(sha256(await skopeoRawManifest(`${registry.host}/${push.repository}:v1`))).toBe(bigImage.manifest.digest);
  });

  it('a chunked upload cut off mid-way resumes from where the registry says it got', async () => {
    const chunked = genericAdapter({ dockerConfig: '/nonexistent', capabilities: { upload: 'chunked', chunkSize: 64 * 1024 } });
    proxy.addRule({ method: 'PATCH', skip: 2, action: { type: 'reset', afterBytes: 1 } });
    const mark = proxy.log.length;
    const push = await pushThroughProxy({ adapters: [chunked] });
    expect(push.error).toBeUndefined();
    expect(push.retries).toHaveLength(1);
    const requests = proxy.log.slice(mark);
    // One status query, and no second session: the upload went on where it stopped.
    expect(requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/uploads/'))).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(image.layers.length + 1);
    await expectLanded(push.repository);
  });

  it('a host name that does not resolve fails at once, without retries', async () => {
    const push = await pushThroughProxy({ destinations: [parseReference('registry.invalid/app:v1')] });
    expect(push.error).toMatchObject({ code: 'UNKNOWN_HOST', message: 'cannot resolve registry.invalid (ENOTFOUND)' });
    expect(push.retries).toHaveLength(0);
  });

  it('a reset before any response, on the very first request', async () => {
    proxy.addRule({ method: 'GET', path: /^\/v2\/$/, action: { type: 'reset' } });
    const push = await pushThroughProxy();
    expect(push.error).toBeUndefined();
    expect(push.retries).toHaveLength(1);
    await expectLanded(push.repository);
  });
});

describe('permanent faults fail at once and leave no tag', () => {
  it.each([
    ['403 DENIED', { type: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }) }, 'DENIED'],
    ['NAME_UNKNOWN', { type: 'status', status: 404, body: JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }) }, 'NAME_UNKNOWN'],
    ['400 from a proxy', { type: 'status', status: 400, body: 'bad request' }, 'REGISTRY'],
  ] as const)('%s', async (_name, action, code) => {
    proxy.addRule({ method: 'POST', path: /\/blobs\/uploads\//, times: Infinity, action });
    const push = await pushThroughProxy();
    expect(push.error).toMatchObject({ code });
    expect(push.retries).toHaveLength(0);
    await expectNoTag(push.repository);
  });

  it('a Retry-After beyond what hoist waits', async () => {
    proxy.addRule({ method: 'HEAD', path: /\/manifests\//, action: { type: 'status', status: 429, retryAfter: '3600' } });
    const push = await pushThroughProxy();
    expect(push.error).toMatchObject({ code: 'TOOMANYREQUESTS', message: expect.stringContaining('Retry-After 3600 s, longer than the 120 s hoist waits') });
    expect(push.elapsed).toBeLessThan(2000);
    await expectNoTag(push.repository);
  });

  it('a Retry-After beyond the push time budget', async () => {
    proxy.addRule({ method: 'HEAD', path: /\/manifests\//, action: { type: 'status', status: 503, retryAfter: '30' } });
    const push = await pushThroughProxy({ timeoutMs: 5_000 });
    expect(push.error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining("would exceed the push's time budget") });
    await expectNoTag(push.repository);
  });

  it('5xx that never ends: the retries run out and the push fails', async () => {
    proxy.addRule({ method: 'HEAD', path: /\/manifests\//, times: Infinity, action: { type: 'status', status: 500 } });
    const push = await pushThroughProxy({ retryPolicy: { baseDelayMs: 10, retries: 3 } });
    expect(push.error).toMatchObject({ status: 500 });
    expect(push.retries).toHaveLength(3);
    await expectNoTag(push.repository);
  });
});

describe('registry restarts', () => {
  it('stopped mid-push and back within the budget: the push completes', async () => {
    proxy.addRule({ method: 'PUT', path: biggestLayerPut(), action: { type: 'stall', afterBytes: 16 * 1024, ms: 400 } });
    const pushing = pushThroughProxy({ retryPolicy: { baseDelayMs: 250 } });
    await waitFor(() => proxy.log.some((r) => r.fault === 'stall'));
    await registry.kill();
    await new Promise((r) => setTimeout(r, 800));
    await registry.revive();
    const push = await pushing;
    expect(push.error).toBeUndefined();
    expect(push.retries.length).toBeGreaterThan(0);
    await expectLanded(push.repository);
  });

  it('stopped and not restarted: a clean failure within the budget, no tag', async () => {
    await registry.kill();
    try {
      const push = await pushThroughProxy({ timeoutMs: 3_000, retryPolicy: { baseDelayMs: 250, retries: 20 } });
      expect(push.error).toMatchObject({ code: expect.stringMatching(/^(TIMEOUT|NETWORK)$/) });
      expect(push.elapsed).toBeLessThan(5_000);
    } finally {
      await registry.revive();
    }
    expect(await manifestStatus(registry.url, `faults/app${repoCounter}`, 'v1')).toBe(404);
  });
});
