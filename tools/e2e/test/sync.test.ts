import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayoutWriter, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type TestRegistry } from '@hoist/test-registry';
import { expectPausedSecond, runHoist, startHoist, tempDir } from './helpers.js';

type JsonLine = { type: string; name?: string; error?: { code: string; message: string } };

/**
 * `hoist sync` between two real registries. The source's upstream/app has 50 tags, 1.0.0 to
 * 1.0.24 and 2.0.0 to 2.0.24, each its own image on a shared base layer (put there by a plan).
 */
const versions = [...Array.from({ length: 25 }, (_, i) => `1.0.${i}`), ...Array.from({ length: 25 }, (_, i) => `2.0.${i}`)];
let source: TestRegistry;
let mirror: TestRegistry;
const digests = new Map<string, string>();
let baseLayer: string;

beforeAll(async () => {
  [source, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  const layout = await tempDir();
  const writer = await LayoutWriter.create(layout);
  const base = await writer.writeLayer(64 * 1024);
  baseLayer = base.layer.digest;
  const images: WrittenImage[] = [];
  for (const _ of versions) images.push(await writer.writeImage([base, 1024]));
  await writer.writeIndexJson(images.map((image, i) => ({ descriptor: image.manifest, ref: versions[i]! })));
  versions.forEach((v, i) => digests.set(v, images[i]!.manifest.digest));
  const plan = join(layout, 'plan.json');
  await writeFile(plan, JSON.stringify({ images: versions.map((v) => ({ source: `oci:${layout}:${v}`, destinations: [`${source.host}/upstream/app:${v}`] })) }));
  const pushed = await runHoist(['push', '--plan', plan, '--no-cache', '-q']);
  expect(pushed.code, pushed.stderr).toBe(0);
}, 60_000);
afterAll(async () => Promise.all([source?.stop(), mirror?.stop()]));

/** The tags of `repository` at the mirror, and the digest each names, read without hoist. */
async function mirrored(repository: string): Promise<Map<string, string>> {
  const res = await fetch(`${mirror.url}/v2/${repository}/tags/list`);
  const tags = res.status === 404 ? [] : ((await res.json()) as { tags: string[] | null }).tags ?? [];
  const found = new Map<string, string>();
  for (const tag of tags) {
    const head = await fetch(`${mirror.url}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    found.set(tag, head.headers.get('docker-content-digest')!);
  }
  return found;
}

const requestsTo = async (repository: string, from: number) => (await mirror.accessLog()).slice(from).filter((e) => e.uri.startsWith(`/v2/${repository}/`));

describe('hoist sync', () => {
  it('copies exactly the tags --tags matches, digests unchanged; run again, it costs one request per tag at the mirror and uploads nothing', async () => {
    const args = ['sync', `${source.host}/upstream/app`, `${mirror.host}/mirror`, '--tags', '2\\..*', '--no-cache', '--json'];
    const first = await runHoist(args);
    expect(first.code, first.stderr).toBe(0);
    const wanted = versions.filter((v) => v.startsWith('2.'));
    expect(await mirrored('mirror/upstream/app')).toEqual(new Map(wanted.map((v) => [v, digests.get(v)!])));

    const mark = (await mirror.accessLog()).length;
    const again = await runHoist(args);
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(summary).toEqual({ type: 'summary', images: 25, pushed: 0, unchanged: 25, failed: 0 });
    const requests = await requestsTo('mirror/upstream/app', mark);
    expect(requests.map((r) => r.method)).toEqual(wanted.map(() => 'HEAD'));
  });

  it('chooses by version: a semver range, then the newest N', async () => {
    const run = await runHoist(['sync', `${source.host}/upstream/app`, `${mirror.host}/versions`, '--semver', '>=1.0.10 <2', '--newest', '3', '--no-cache', '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect([...(await mirrored('versions/upstream/app')).keys()].sort()).toEqual(['1.0.22', '1.0.23', '1.0.24']);
  });

  it('killed halfway, run again, finishes with nothing uploaded twice', async () => {
    const args = ['sync', `${source.host}/upstream/app`, `${mirror.host}/killed`, '-j', '1', '--no-cache', '-q'];
    const mark = (await mirror.accessLog()).length;
    const stopped = await startHoist(args);
    // Once a few images have landed, SIGKILL: no chance to clean up or to finish a request.
    for (let landed = 0; landed < 5; ) {
      landed = (await requestsTo('killed/upstream/app', mark)).filter((r) => r.method === 'PUT' && r.uri.includes('/manifests/') && r.status === 201).length;
      await new Promise((r) => setTimeout(r, 10));
    }
    stopped.child.kill('SIGKILL');
    await stopped.done;
    expect((await mirrored('killed/upstream/app')).size).toBeLessThan(versions.length);

    const rerun = await runHoist(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await mirrored('killed/upstream/app')).toEqual(new Map(versions.map((v) => [v, digests.get(v)!])));
    // Each blob completed its upload once, across both runs.
    const completed = (await requestsTo('killed/upstream/app', mark)).filter((r) => r.method === 'PUT' && r.uri.includes('/blobs/uploads/') && r.status === 201).map((r) => /digest=([^&]+)/.exec(r.uri)?.[1]);
    expect(completed.length).toBe(new Set(completed).size);
  });

  it('copies a list of references, and the sync section of a plan, in one run each', async () => {
    const listed = await runHoist(['sync', `${source.host}/upstream/app:1.0.1`, `${source.host}/upstream/app:2.0.3`, `${mirror.host}/picked`, '--no-cache', '-q']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(await mirrored('picked/upstream/app')).toEqual(new Map(['1.0.1', '2.0.3'].map((v) => [v, digests.get(v)!])));

    const plan = join(await tempDir(), 'mirror.yaml');
    await writeFile(
      plan,
      [
        'sync:',
        `  - source: ${source.host}/upstream/app`,
        `    destination: ${mirror.host}/planned`,
        "    semver: '>=2.0.20'",
        `  - source: [${source.host}/upstream/app:1.0.0, ${source.host}/upstream/app:1.0.1]`,
        `    destination: ${mirror.host}/planned/pinned`,
        '',
      ].join('\n'),
    );
    const mark = (await mirror.accessLog()).length;
    const run = await runHoist(['sync', '--plan', plan, '--no-cache', '--json']);
    expect(run.code, run.stderr).toBe(0);
    // The base layer went into each repository once (uploaded or mounted), however many of its images ran at once.
    for (const repository of ['planned/upstream/app', 'planned/pinned/upstream/app']) {
      const placed = (await requestsTo(repository, mark)).filter((r) => r.status === 201 && r.uri.includes(encodeURIComponent(baseLayer)) && (r.uri.includes('mount=') || r.uri.includes('digest=')));
      expect(placed.length, repository).toBe(1);
    }
    expect(await mirrored('planned/upstream/app')).toEqual(new Map(['2.0.20', '2.0.21', '2.0.22', '2.0.23', '2.0.24'].map((v) => [v, digests.get(v)!])));
    expect(await mirrored('planned/pinned/upstream/app')).toEqual(new Map(['1.0.0', '1.0.1'].map((v) => [v, digests.get(v)!])));
  });

  it('copies the other sources when one cannot be listed (a repository gone upstream): exit 1, one line for it', async () => {
    const run = await runHoist(['sync', `${source.host}/upstream/gone`, `${source.host}/upstream/app:1.0.2`, `${mirror.host}/partial`, '--no-cache', '--json']);
    expect(run.code).toBe(1);
    expect(await mirrored('partial/upstream/app')).toEqual(new Map([['1.0.2', digests.get('1.0.2')!]]));
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine & { images?: number; failed?: number });
    expect(lines.filter((l) => l.type === 'image' && l.error).map((l) => [l.name, l.error!.code])).toEqual([[`${source.host}/upstream/gone`, 'NAME_UNKNOWN']]);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', images: 2, failed: 1 });
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`hoist: error: ${source.host}/upstream/gone: listing the tags of ${source.host}/upstream/gone failed: NAME_UNKNOWN`)]);
  });

  it("waits out the source's Retry-After with every image, not only the one it answered", async () => {
    const proxy = await startFaultProxy(source.host);
    try {
      proxy.addRule({ method: 'GET', path: /\/manifests\/1\.0\.3$/, action: { type: 'status', status: 429, retryAfter: '1' } });
      const run = await runHoist(['sync', `${proxy.host}/upstream/app`, `${mirror.host}/paused`, '--tags', '1\\.0\\.[0-7]', '--no-cache', '-q']);
      expect(run.code, run.stderr).toBe(0);
      expect((await mirrored('paused/upstream/app')).size).toBe(8);
      expectPausedSecond(proxy.log);
    } finally {
      await proxy.close();
    }
  });

  it('starts no more pulls than the source says are left (Docker Hub\'s RateLimit-Remaining); the next run copies the rest', async () => {
    // A source answering as Docker Hub does when 3 pulls are left of its 100 per 6 hours.
    const proxy = await startFaultProxy(source.host, { responseHeaders: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '3;w=21600' } });
    try {
      const args = ['sync', `${proxy.host}/upstream/app`, `${mirror.host}/limited`, '--tags', '1\\.0\\.1[0-5]', '--no-cache', '--json'];
      const first = await runHoist(args);
      expect(first.code).toBe(1);
      const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
      const refused = lines.filter((l) => l.type === 'image' && l.error !== undefined);
      expect(refused.length).toBe(3);
      for (const line of refused) expect(line.error!.message).toBe(`${proxy.host} allows no more pulls for now (RateLimit-Remaining 0 of 100 per 6 h): not copied; run again when its window turns (a re-run copies only what is left), or log in to ${proxy.host} for a higher limit`);
      // Three manifest GETs by tag went to the source; the refused images sent nothing.
      expect(proxy.log.filter((r) => r.method === 'GET' && /\/manifests\/1\.0\.1\d$/.test(r.path)).length).toBe(3);
      expect((await mirrored('limited/upstream/app')).size).toBe(3);

      const second = await runHoist(args);
      expect(second.code, second.stderr).toBe(0);
      expect(await mirrored('limited/upstream/app')).toEqual(new Map(versions.filter((v) => /^1\.0\.1[0-5]$/.test(v)).map((v) => [v, digests.get(v)!])));
    } finally {
      await proxy.close();
    }
  });

  it('refuses a source given by digest, a destination with no registry, a plan entry without one: exit 2, one line', async () => {
    const byDigest = await runHoist(['sync', `${source.host}/upstream/app@${digests.get('1.0.0')}`, `${mirror.host}/x`]);
    expect([byDigest.code, byDigest.stderr.trim()]).toEqual([2, `hoist: error: source ${source.host}/upstream/app@${digests.get('1.0.0')}: a sync copies tags; give the repository, or REPOSITORY:TAG`]);
    const noRegistry = await runHoist(['sync', `${source.host}/upstream/app`, 'mirror']);
    expect([noRegistry.code, noRegistry.stderr.trim()]).toEqual([2, 'hoist: error: destination "mirror" does not start with a registry (registry.example.com/mirror)']);
    const plan = join(await tempDir(), 'mirror.yaml');
    await writeFile(plan, `sync:\n  - source: ${source.host}/upstream/app\n`);
    const noDestination = await runHoist(['sync', '--plan', plan]);
    expect([noDestination.code, noDestination.stderr.trim()]).toEqual([2, `hoist: error: --plan ${plan}: sync[0]: destination is missing (a registry, and a path prefix if you like)`]);
  });
});
