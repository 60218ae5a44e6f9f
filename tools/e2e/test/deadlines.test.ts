import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type FaultRule, type TestRegistry } from '@hoist/test-registry';
import { expectFailedWithin, manifestStatus, runHoist, runTimed, tempDir, type HoistRun } from './helpers.js';

/**
 * `--timeout` is one deadline for the whole push that every request honours where it stands:
 * waiting for headers, reading a body that drips one byte at a time, fetching a token, reading a
 * `docker://` source. Each case here would otherwise run for minutes (a drip of a byte every
 * 500 ms; headers held for a minute); hoist must end soon after the limit, say where it was,
 * and write no tag.
 */
const LIMIT_S = 3;
/** Start-up, the failure's clean-up and a loaded CI machine, on top of the limit. */
const SLACK_MS = 3_000;
/** How long a case may run before the test gives up on it (the code before the fix ran on). */
const GIVE_UP_MS = 30_000;
const DRIP = { type: 'drip', intervalMs: 500 } as const;

let registry: TestRegistry;
let proxy: FaultProxy;
let layout: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  layout = await tempDir();
  await makeImageLayout(layout, [256 * 1024, 4 * 1024]);
  // The source the docker:// cases read, pushed straight to the registry.
  expect((await runHoist(['push', layout, `${registry.host}/deadline/source:v1`])).code).toBe(0);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});
afterEach(() => proxy.clearRules());

/** Runs hoist under `rules` with the limit, killing it if it outlives GIVE_UP_MS. */
function pushUnder(rules: FaultRule[], source: string, destination: string): Promise<HoistRun & { ms: number }> {
  rules.forEach((rule) => proxy.addRule(rule));
  return runTimed(['push', '--timeout', `${LIMIT_S}s`, source, destination], GIVE_UP_MS);
}

function expectTimedOut(run: HoistRun & { ms: number }, where: RegExp): void {
  expect(expectFailedWithin(run, LIMIT_S * 1000 + SLACK_MS, where)).toContain(`(--timeout ${LIMIT_S}s; completed:`);
}

describe('--timeout holds inside a request', () => {
  it('a token endpoint that drips its answer', async () => {
    const realm = `${proxy.url}/token`;
    const run = await pushUnder(
      [
        { method: 'GET', path: /^\/v2\/$/, times: Infinity, action: { type: 'status', status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="drip"` } } },
        { method: 'GET', path: /^\/token/, times: Infinity, action: { ...DRIP, status: 200 } },
      ],
      layout,
      `${proxy.host}/deadline/token:v1`,
    );
    expectTimedOut(run, new RegExp(`the time limit ran out during GET ${proxy.url}/token\\?\\S+ \\(reading the HTTP 200 answer\\)`));
    expect(await manifestStatus(registry.url, 'deadline/token', 'v1')).toBe(404);
  });

  it('a docker:// source whose manifest drips', async () => {
    const run = await pushUnder([{ method: 'GET', path: /\/manifests\/v1$/, action: DRIP }], `docker://${proxy.host}/deadline/source:v1`, `${registry.host}/deadline/manifest-drip:v1`);
    expectTimedOut(run, new RegExp(`the time limit ran out during GET ${proxy.url}/v2/deadline/source/manifests/v1 \\(reading the HTTP 200 answer\\)`));
    expect(await manifestStatus(registry.url, 'deadline/manifest-drip', 'v1')).toBe(404);
  });

  it('a docker:// source whose blob drips', async () => {
    const run = await pushUnder([{ method: 'GET', path: /\/blobs\/sha256:/, times: Infinity, action: DRIP }], `docker://${proxy.host}/deadline/source:v1`, `${registry.host}/deadline/blob-drip:v1`);
    // Both the source's GET and the upload it feeds are in flight when the time runs out; either
    // may report first, and each names itself and where it stood.
    const sourceGet = `GET ${proxy.url}/v2/deadline/source/blobs/sha256:[0-9a-f]{64} \\(reading the HTTP 200 answer\\)`;
    const starvedPut = `PUT ${registry.url}/v2/deadline/blob-drip/blobs/uploads/\\S+ \\(sending the body, whose bytes had stopped coming\\)`;
    expectTimedOut(run, new RegExp(`the time limit ran out during (${sourceGet}|${starvedPut})`));
    expect(await manifestStatus(registry.url, 'deadline/blob-drip', 'v1')).toBe(404);
  });

  it('an error body that never ends', async () => {
    const run = await pushUnder([{ method: 'POST', path: /\/blobs\/uploads\//, times: Infinity, action: { ...DRIP, status: 500 } }], layout, `${proxy.host}/deadline/error-drip:v1`);
    expectTimedOut(run, new RegExp(`the time limit ran out during POST ${proxy.url}/v2/deadline/error-drip/blobs/uploads/ \\(reading the HTTP 500 answer\\)`));
    expect(await manifestStatus(registry.url, 'deadline/error-drip', 'v1')).toBe(404);
  });

  it('a registry that takes the request and never answers', async () => {
    const run = await pushUnder([{ method: 'PUT', path: /\/manifests\//, times: Infinity, action: { type: 'stall', ms: 60_000 } }], layout, `${proxy.host}/deadline/silent:v1`);
    expectTimedOut(run, new RegExp(`the time limit ran out during PUT ${proxy.url}/v2/deadline/silent/manifests/v1 \\(waiting for the answer\\)`));
    expect(await manifestStatus(registry.url, 'deadline/silent', 'v1')).toBe(404);
  });
});

describe('--timeout holds outside requests', () => {
  it('a layout destination whose index.json another writer holds', async () => {
    const out = await tempDir();
    // A live writer (this test's own process) holds the lock for longer than the limit.
    await writeFile(join(out, 'index.json.lock'), String(process.pid));
    const run = await pushUnder([], layout, `oci:${out}:v1`);
    expectTimedOut(run, /^hoist: error: the time limit ran out \(--timeout/);
    expect(await readdir(out)).not.toContain('index.json');
  });
});
