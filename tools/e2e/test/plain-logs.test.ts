import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest } from '@hoist/test-images';
import { freePort, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { runHoist, startHoist, tempDir } from './helpers.js';

/**
 * The log a person follows in Jenkins, where hoist has no terminal (issue 27): a start line per
 * image, one line for the retries of a registry, 12-hex digests, plurals right, and a registry
 * that is not running said at once.
 */
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

const FULL_DIGEST = /[0-9a-f]{64}/;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function layout(layerSizes: number[]) {
  const dir = await tempDir();
  const image = await makeImageLayout(dir, layerSizes);
  const bytes = [image.config, ...image.layers].reduce((sum, blob) => sum + blob.size, 0);
  return { dir, image, bytes };
}

describe('hoist push without a terminal', () => {
  it('starts with a line saying what, how big and where to; names blobs by 12 hex digits; prints the whole digest once, on stdout', async () => {
    const { dir, image, bytes } = await layout([96 * 1024, 32 * 1024]);
    const run = await runHoist(['push', dir, `${registry.host}/logs/app:v1`, '-t', 'ci-1']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(`pushing oci:${dir} (2 layers, ${kib(bytes)}) to ${registry.host}/logs/app:v1, ${registry.host}/logs/app:ci-1`);
    const uploaded = [image.config, ...image.layers].map((blob) => `${registry.host}/logs/app: ${blob.digest.slice(7, 19)} uploaded`);
    expect(lines.filter((l) => l.endsWith(' uploaded')).sort()).toEqual(uploaded.sort());
    expect(run.stderr).not.toMatch(FULL_DIGEST);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`digest: ${image.manifest.digest}`);
  });

  it('says "1 layer" and "1 of 1 image"', async () => {
    const { dir, bytes } = await layout([8 * 1024]);
    const run = await runHoist(['push', dir, `${registry.host}/logs/one:v1`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe(`pushing oci:${dir} (1 layer, ${kib(bytes)}) to ${registry.host}/logs/one:v1`);
    const plan = join(await tempDir(), 'plan.json');
    await writeFile(plan, JSON.stringify({ images: [{ source: `oci:${dir}`, destinations: [`${registry.host}/logs/planned:v1`] }] }));
    const planned = await runHoist(['push', '--plan', plan, '--no-cache']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout.trim().split('\n').at(-1)).toBe('plan: 1 of 1 image pushed');
  });

  it('folds the retries of one registry into one line, with the count at the end, and lands the image', async () => {
    const { dir, image } = await layout([64 * 1024, 16 * 1024]);
    // Every blob's first HEAD fails: three requests, each retried once.
    proxy.addRule({ method: 'HEAD', path: /\/blobs\/sha256:/, times: 3, action: { type: 'status', status: 503 } });
    try {
      const run = await runHoist(['push', dir, `${proxy.host}/logs/retry:v1`]);
      expect(run.code, run.stderr).toBe(0);
      const retries = run.stderr.split('\n').filter((l) => / (retry|retries|retrying) /.test(l));
      expect(retries).toEqual([
        expect.stringMatching(new RegExp(`^${proxy.host}: retrying HEAD /v2/logs/retry/blobs/[0-9a-f]{12} after HTTP 503 \\(attempt 1 of 6 failed; waiting \\d+\\.\\d s\\)$`)),
        `${proxy.host}: 2 more retries after HTTP 503`,
      ]);
      expect(run.stderr).not.toMatch(FULL_DIGEST);
      expect(sha256(await skopeoRawManifest(`${registry.host}/logs/retry:v1`))).toBe(image.manifest.digest);
    } finally {
      proxy.clearRules();
    }
  });

  it('fails within 1 s of its start line when nothing listens at the registry port: one line asking whether the registry runs, no retries', async () => {
    const { dir } = await layout([8 * 1024]);
    const dead = `127.0.0.1:${await freePort()}`;
    const hoist = await startHoist(['push', dir, `${dead}/logs/refused:v1`]);
    let startedAt: number | undefined;
    hoist.child.stderr!.on('data', (chunk: Buffer) => {
      if (startedAt === undefined && chunk.toString().includes('pushing ')) startedAt = Date.now();
    });
    const run = await hoist.done;
    const endedAt = Date.now();
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^pushing oci:.* \(1 layer, /),
      `hoist: error: cannot connect to https://${dead}: connection refused (ECONNREFUSED); is the registry running at https://${dead}?`,
    ]);
    expect(endedAt - startedAt!).toBeLessThan(1_000);
  });
});
