import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, runHoist, startHoist, tempDir, waitFor } from './helpers.js';

/** What a pipeline sees of faults: retry lines in the log, exit codes, and a clean interruption. */
let registry: TestRegistry;
let proxy: FaultProxy;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  layout = await tempDir();
  image = await makeImageLayout(layout, [2 * 1024 * 1024, 64 * 1024]);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});
afterEach(() => proxy.clearRules());

describe('hoist push under faults', () => {
  it('logs the retries of a registry as one line, with the count it folded, and still lands the image', async () => {
    proxy.addRule({ method: 'HEAD', path: /\/manifests\//, times: 2, action: { type: 'status', status: 503 } });
    const run = await runHoist(['push', layout, `${proxy.host}/cli-faults/retry:v1`]);
    expect(run.code).toBe(0);
    const retries = run.stderr.split('\n').filter((l) => / (retry|retries|retrying) /.test(l));
    expect(retries).toEqual([expect.stringContaining('retrying'), `${proxy.host}: 1 more retry after HTTP 503`]);
    expect(retries[0]).toMatch(/retrying HEAD \/v2\/cli-faults\/retry\/manifests\/[0-9a-f]{12} after HTTP 503 \(attempt 1 of 6 failed; waiting \d+\.\d s\)/);
    expect(sha256(await skopeoRawManifest(`${registry.host}/cli-faults/retry:v1`))).toBe(image.manifest.digest);
  });

  it('a permanent refusal is exit 1 and one line, with no retry', async () => {
    proxy.addRule({
      method: 'POST',
      times: Infinity,
      action: { type: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }) },
    });
    const run = await runHoist(['push', layout, `${proxy.host}/cli-faults/denied:v1`]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('retrying');
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('hoist: error:'));
    expect(errors).toEqual([expect.stringContaining('DENIED: requested access to the resource is denied (HTTP 403)')]);
    expect(await manifestStatus(registry.url, 'cli-faults/denied', 'v1')).toBe(404);
  });

  it('a registry message cannot forge lines or drive the terminal: it is printed as one escaped line', async () => {
    proxy.addRule({
      method: 'POST',
      times: Infinity,
      action: { type: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'no\nhoist: pushed OK\u001b[2J' }] }) },
    });
    const run = await runHoist(['push', layout, `${proxy.host}/cli-faults/forged:v1`]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('\u001b');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('hoist: '))).toEqual([expect.stringContaining('DENIED: no\\nhoist: pushed OK\\u001b[2J (HTTP 403)')]);
  });

  it('a source blob cut short is blamed on the source registry, not the destination', async () => {
    expect((await runHoist(['push', layout, `${registry.host}/cli-faults/cut:1`])).code).toBe(0);
    proxy.addRule({ method: 'GET', path: /\/blobs\/sha256:/, times: Infinity, action: { type: 'truncate', bytes: 1000 } });
    const destination = await startRegistry();
    try {
      const run = await runHoist(['push', `docker://${proxy.host}/cli-faults/cut:1`, `${destination.host}/cli-faults/copy:1`, '--retries', '0']);
      expect(run.code).toBe(1);
      const error = run.stderr.trim().split('\n').at(-1)!;
      expect(error).toMatch(new RegExp(`^hoist: error: docker://${proxy.host}/cli-faults/cut:1: reading blob [0-9a-f]{12} failed`));
      expect(error).not.toContain(destination.host);
    } finally {
      await destination.stop();
    }
  });

  it('an error body cut short still gives the registry and the status, not an internal error', async () => {
    proxy.addRule({ method: 'GET', path: /\/manifests\/nope$/, times: Infinity, action: { type: 'truncate', bytes: 12 } });
    const run = await runHoist(['push', `docker://${proxy.host}/cli-faults/missing:nope`, `${registry.host}/cli-faults/copy:1`]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([`hoist: error: docker://${proxy.host}/cli-faults/missing:nope: fetching manifest nope failed: registry: not found (HTTP 404)`]);
  });

  it('SIGINT mid-upload: exit 130 within two seconds, no tag, open upload sessions deleted', async () => {
    proxy.addRule({ method: 'PUT', path: /digest=/, times: Infinity, action: { type: 'stall', afterBytes: 1, ms: 60_000 } });
    const { child, done } = await startHoist(['push', layout, `${proxy.host}/cli-faults/interrupted:v1`]);
    // Interrupt once every blob (config and two layers) is mid-upload, so that every session
    // the registry opened is one hoist knows of: a session whose POST answer is still on its way
    // when the signal lands cannot be deleted by anyone.
    await waitFor(() => proxy.log.filter((r) => r.fault === 'stall').length === image.layers.length + 1);
    const interrupted = Date.now();
    child.kill('SIGINT');
    const run = await done;
    expect(Date.now() - interrupted).toBeLessThan(2_000);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/hoist: error: interrupted by SIGINT \(completed: \d+ blobs? uploaded, 0 mounted, 0 already present, 0 manifests\); no tag was written/);
    expect(await manifestStatus(registry.url, 'cli-faults/interrupted', 'v1')).toBe(404);
    // No upload session is left open on the registry: each was finished (a body small enough to
    // slip through before the stall) or deleted by hoist on the way out.
    const sessions = proxy.log
      .filter((r) => r.method === 'PUT' && r.path.startsWith('/v2/cli-faults/interrupted/blobs/uploads/'))
      .map((r) => r.path.replace(/&digest=.*$/, ''));
    expect(sessions).toHaveLength(image.layers.length + 1);
    for (const session of sessions) expect((await fetch(`${registry.url}${session}`)).status).toBe(404);
    const deletes = (await registry.accessLog()).filter((e) => e.method === 'DELETE' && e.uri.startsWith('/v2/cli-faults/interrupted/blobs/uploads/'));
    expect(deletes.length).toBeGreaterThanOrEqual(1); // the 2 MiB layer cannot slip through
    expect(deletes.every((e) => e.status === 204 || e.status === 404)).toBe(true);
  });
  it('SIGINT while a docker:// source blob is being fetched: exit 130 within two seconds, no tag', async () => {
    expect((await runHoist(['push', layout, `${registry.host}/cli-faults/src:1`])).code).toBe(0);
    proxy.addRule({ method: 'GET', path: /\/blobs\/sha256:/, times: Infinity, action: { type: 'stall', ms: 60_000 } });
    const mark = proxy.log.length;
    const { child, done } = await startHoist(['push', `docker://${proxy.host}/cli-faults/src:1`, `${registry.host}/cli-faults/dst:1`]);
    await waitFor(() => proxy.log.slice(mark).some((r) => r.fault === 'stall'));
    const interrupted = Date.now();
    child.kill('SIGINT');
    const run = await done;
    expect(Date.now() - interrupted).toBeLessThan(2_000);
    expect(run.code).toBe(130);
    expect(await manifestStatus(registry.url, 'cli-faults/dst', '1')).toBe(404);
  });
});
