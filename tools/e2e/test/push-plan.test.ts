import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayoutWriter, sha256, type Descriptor, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type TestRegistry } from '@hoist/test-registry';
import { expectPausedSecond, manifestStatus, runHoist, tempDir } from './helpers.js';

/**
 * `hoist push --plan` against two real registries: 20 images in one OCI layout, each its own
 * ref, all on one base layer of 256 KiB, each with a small layer of its own.
 */
const IMAGES = 20;
let registries: TestRegistry[];
let layout: string;
let base: Descriptor;
let images: WrittenImage[];

beforeAll(async () => {
  registries = await Promise.all([startRegistry(), startRegistry()]);
  layout = await tempDir();
  const writer = await LayoutWriter.create(layout);
  const shared = await writer.writeLayer(256 * 1024);
  base = shared.layer;
  images = [];
  for (let i = 0; i < IMAGES; i++) images.push(await writer.writeImage([shared, 2 * 1024]));
  await writer.writeIndexJson(images.map((image, i) => ({ descriptor: image.manifest, ref: `app${i}` })));
});
afterAll(async () => Promise.all(registries?.map((r) => r.stop()) ?? []));

async function planFile(entries: { source: string; destinations: string[]; tags?: string[] }[]): Promise<string> {
  const file = join(await tempDir(), 'plan.yaml');
  const yaml = entries.map((e) => `  - source: ${e.source}\n    destinations: [${e.destinations.join(', ')}]\n${e.tags ? `    tags: [${e.tags.join(', ')}]\n` : ''}`).join('');
  await writeFile(file, `images:\n${yaml}`);
  return file;
}

describe('hoist push --plan', () => {
  it('pushes 20 images to two registries at once, the base layer uploaded once per registry and mounted into the other 19 repositories', async () => {
    const file = await planFile(images.map((_, i) => ({ source: `oci:${layout}:app${i}`, destinations: registries.map((r) => `${r.host}/plan/app${i}:1.0`), tags: ['stable'] })));
    const marks = await Promise.all(registries.map(async (r) => (await r.accessLog()).length));
    const run = await runHoist(['push', '--plan', file, '--no-cache', '--json']);
    expect(run.code, run.stderr).toBe(0);

    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const results = lines.filter((l) => l['type'] === 'image');
    expect(results.map((r) => [r['name'], r['digest']])).toEqual(images.map((image, i) => [`oci:${layout}:app${i}`, image.manifest.digest]));
    expect(lines.at(-1)).toEqual({ type: 'summary', images: IMAGES, pushed: IMAGES, unchanged: 0, failed: 0 });

    for (const [n, registry] of registries.entries()) {
      const log = await registry.accessLog();
      // One ping of each registry for the 20 images, which share what it found.
      expect(log.slice(marks[n]).filter((e) => e.method === 'GET' && e.uri === '/v2/'), registry.host).toHaveLength(1);
      const baseHex = base.digest.slice('sha256:'.length);
      // The upload that closes with the base's digest: one, whichever image got there first.
      expect(log.filter((e) => e.method === 'PUT' && e.uri.includes('/blobs/uploads/') && e.uri.includes(baseHex)), registry.host).toHaveLength(1);
      expect(log.filter((e) => e.method === 'POST' && e.uri.includes(`mount=sha256%3A${baseHex}`) && e.status === 201)).toHaveLength(IMAGES - 1);
      for (let i = 0; i < IMAGES; i++) {
        for (const tag of ['1.0', 'stable']) expect(sha256(await registry.readManifest(`plan/app${i}`, tag)), `${registry.host} app${i}:${tag}`).toBe(images[i]!.manifest.digest);
      }
    }
  });

  it('pushes the others when one image fails, says which failed in one line, exits 1, and moves none of its tags', async () => {
    const locked = await startRegistry({ auth: 'htpasswd' });
    try {
      const [good] = registries;
      const file = await planFile([
        { source: `oci:${layout}:app0`, destinations: [`${good!.host}/partial/first:1`] },
        { source: `oci:${layout}:app1`, destinations: [`${locked.host}/partial/refused:1`] },
        { source: `oci:${layout}:app2`, destinations: [`${good!.host}/partial/third:1`] },
      ]);
      const refs = join(await tempDir(), 'refs.txt');
      const run = await runHoist(['push', '--plan', file, '--no-cache', '--image-refs', refs], { env: { DOCKER_CONFIG: await tempDir() } });
      expect(run.code).toBe(1);
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('hoist: error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBe(`hoist: error: oci:${layout}:app1: registry ${locked.host} requires a username and password, and none were found for it: run hoist login ${locked.host}, or pass --username with --password-env VAR`);
      expect(run.stdout.trim().split('\n').at(-1)).toBe('plan: 2 of 3 images pushed, 1 failed');
      expect(sha256(await good!.readManifest('partial/first', '1'))).toBe(images[0]!.manifest.digest);
      expect(sha256(await good!.readManifest('partial/third', '1'))).toBe(images[2]!.manifest.digest);
      expect(await manifestStatus(locked.url, 'partial/refused', '1', `Basic ${Buffer.from(`hoist:${locked.users['hoist']}`).toString('base64')}`)).toBe(404);
      // As for one image: the refs file is written only when everything was pushed.
      await expect(import('node:fs/promises').then((fs) => fs.access(refs))).rejects.toThrow();
    } finally {
      await locked.stop();
    }
  });

  it('divides a plan among three agents running at once: every image pushed by exactly one', async () => {
    const [registry] = registries;
    const file = await planFile(images.map((_, i) => ({ source: `oci:${layout}:app${i}`, destinations: [`${registry!.host}/shards/app${i}:1`] })));
    // As three pods of a Kubernetes Indexed Job would, each told its index by JOB_COMPLETION_INDEX.
    const runs = await Promise.all(
      [0, 1, 2].map((index) => runHoist(['push', '--plan', file, '--shard', 'JOB_COMPLETION_INDEX/3', '--no-cache', '--json'], { env: { JOB_COMPLETION_INDEX: String(index) } })),
    );
    const pushedBy = runs.map((run) => {
      expect(run.code, run.stderr).toBe(0);
      return run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; name?: string }).filter((l) => l.type === 'image').map((l) => l.name!);
    });
    expect(pushedBy.flat().sort()).toEqual(images.map((_, i) => `oci:${layout}:app${i}`).sort());
    for (const [index, run] of runs.entries()) expect(run.stderr).toContain(`hoist: shard ${index}/3: ${pushedBy[index]!.length} of the plan's ${IMAGES} images`);
    for (let i = 0; i < IMAGES; i++) expect(sha256(await registry!.readManifest(`shards/app${i}`, '1'))).toBe(images[i]!.manifest.digest);
  });

  it("waits out a registry's Retry-After with every image, not only the one it answered", async () => {
    const proxy = await startFaultProxy(registries[0]!.host);
    try {
      proxy.addRule({ method: 'POST', path: /\/blobs\/uploads\/$/, action: { type: 'status', status: 429, retryAfter: '1' } });
      const file = await planFile([0, 1, 2, 3].map((i) => ({ source: `oci:${layout}:app${i}`, destinations: [`${proxy.host}/paused/app${i}:1`] })));
      const run = await runHoist(['push', '--plan', file, '--no-cache']);
      expect(run.code, run.stderr).toBe(0);
      expectPausedSecond(proxy.log);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a plan it cannot read before pushing anything: exit 2, one line', async () => {
    const file = join(await tempDir(), 'plan.yaml');
    await writeFile(file, 'images:\n  - source: app.tar\n');
    const run = await runHoist(['push', '--plan', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`hoist: error: --plan ${file}: images[0]: destinations is missing`);
  });
});
