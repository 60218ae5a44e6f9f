import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, makeIndexLayout, sha256, type Descriptor, type WrittenImage } from '@hoist/test-images';
import { DEFAULT_USERS, startRegistry, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, runHoist, tempDir } from './helpers.js';

/**
 * The registry verbs after a push: digest, inspect, tag, ls and copy, against real registries,
 * each checked by what the registry then holds and by its access log.
 */
let registry: TestRegistry;
let other: TestRegistry;
let locked: TestRegistry;
let image: WrittenImage;
let index: Descriptor;
let images: WrittenImage[];

beforeAll(async () => {
  [registry, other, locked] = await Promise.all([startRegistry(), startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  const single = await tempDir();
  image = await makeImageLayout(single, [64 * 1024, 8 * 1024]);
  const multi = await tempDir();
  ({ index, images } = await makeIndexLayout(multi));
  for (const [layout, ref] of [[single, 'team/app:42'], [multi, 'team/multi:1']] as const) {
    const pushed = await runHoist(['push', layout, `${registry.host}/${ref}`, '--no-cache', '-q']);
    expect(pushed.code, pushed.stderr).toBe(0);
  }
}, 60_000);
afterAll(async () => Promise.all([registry?.stop(), other?.stop(), locked?.stop()]));

const requestsSince = async (mark: number) => (await registry.accessLog()).slice(mark);

describe('hoist digest and hoist inspect', () => {
  it('digest prints the digest a tag names, from one HEAD', async () => {
    const mark = (await registry.accessLog()).length;
    const run = await runHoist(['digest', `${registry.host}/team/app:42`]);
    expect([run.code, run.stdout]).toEqual([0, `${image.manifest.digest}\n`]);
    expect((await requestsSince(mark)).filter((r) => r.uri.startsWith('/v2/team/')).map((r) => r.method)).toEqual(['HEAD']);
  });

  it('inspect --raw prints the manifest exactly: its bytes hash to the digest', async () => {
    const run = await runHoist(['inspect', '--raw', `${registry.host}/team/multi:1`]);
    expect(run.code, run.stderr).toBe(0);
    expect(sha256(Buffer.from(run.stdout))).toBe(index.digest);
  });

  it('inspect --json gives the platforms of an index with their sizes, and a single image its config', async () => {
    const multi = await runHoist(['inspect', '--json', `${registry.host}/team/multi:1`]);
    expect(multi.code, multi.stderr).toBe(0);
    const sizeOf = (i: WrittenImage) => i.config.size + i.layers.reduce((t, l) => t + l.size, 0);
    expect(JSON.parse(multi.stdout)).toMatchObject({
      type: 'inspect',
      digest: index.digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: images.map((i) => ({ platform: `linux/${i.manifest.platform!.architecture}`, digest: i.manifest.digest, size: sizeOf(i) })),
    });

    const single = await runHoist(['inspect', '--json', `${registry.host}/team/app:42`]);
    expect(JSON.parse(single.stdout)).toMatchObject({ digest: image.manifest.digest, size: sizeOf(image), platforms: [{ platform: 'linux/amd64' }], config: { Cmd: ['/bin/true'] } });
    const text = await runHoist(['inspect', `${registry.host}/team/app:42`]);
    expect(text.stdout).toContain(`  digest      ${image.manifest.digest}\n`);
    expect(text.stdout).toContain('  cmd         ["/bin/true"]\n');
  });

  it('an image that does not exist: exit 1, one line', async () => {
    for (const verb of ['digest', 'inspect']) {
      const run = await runHoist([verb, `${registry.host}/team/app:nope`]);
      expect(run.code, verb).toBe(1);
      expect(run.stderr.trim().split('\n'), verb).toHaveLength(1);
      expect(run.stderr, verb).toContain('team/app:nope');
    }
  });
});

describe('hoist tag', () => {
  it('tags by digest with one GET and one PUT per tag, no blob request', async () => {
    const mark = (await registry.accessLog()).length;
    const run = await runHoist(['tag', `${registry.host}/team/app@${image.manifest.digest}`, 'prod', 'stable']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(['prod', 'stable'].map((t) => `${registry.host}/team/app:${t}@${image.manifest.digest}\n`).join(''));
    const requests = (await requestsSince(mark)).filter((r) => r.uri.startsWith('/v2/team/'));
    expect(requests.map((r) => `${r.method} ${r.uri}`)).toEqual([`GET /v2/team/app/manifests/${image.manifest.digest}`, 'PUT /v2/team/app/manifests/prod', 'PUT /v2/team/app/manifests/stable']);
    for (const tag of ['prod', 'stable']) expect(sha256(await registry.readManifest('team/app', tag))).toBe(image.manifest.digest);
  });

  it('refuses a tag that is not one before any request (exit 2), and an image that does not exist (exit 1)', async () => {
    const bad = await runHoist(['tag', `${registry.host}/team/app:42`, 'no/slash']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'hoist: error: "no/slash" is not a tag (letters, digits, _ . -, up to 128, not starting with . or -)']);
    const missing = await runHoist(['tag', `${registry.host}/team/app:nope`, 'prod2']);
    expect(missing.code).toBe(1);
    expect(await manifestStatus(registry.url, 'team/app', 'prod2')).toBe(404);
  });
});

describe('hoist ls', () => {
  it('follows the Link pages of a registry that gives 100 tags a page: all 250', async () => {
    const tags = Array.from({ length: 250 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    const tagged = await runHoist(['tag', `${registry.host}/team/app:42`, ...tags, '-q']);
    expect(tagged.code, tagged.stderr).toBe(0);
    const front = await pagingFront(registry, 100);
    try {
      const run = await runHoist(['ls', `${front.host}/team/app`]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n').filter((t) => t.startsWith('t'))).toEqual(tags);
      expect(front.pages).toBeGreaterThanOrEqual(3);
    } finally {
      await front.close();
    }
  });

  it('a repository that does not exist: exit 1, one line', async () => {
    const run = await runHoist(['ls', `${registry.host}/team/none`]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('hoist copy', () => {
  it('copies an image to another registry, digest unchanged', async () => {
    const run = await runHoist(['copy', `${registry.host}/team/multi:1`, `${other.host}/copied/multi:1`, '--no-cache', '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(sha256(await other.readManifest('copied/multi', '1'))).toBe(index.digest);
  });

  it('with --annotation: the manifest carries it, and hoist says the digest changed', async () => {
    const run = await runHoist(['copy', `${registry.host}/team/app:42`, `${other.host}/copied/app:annotated`, '--annotation', 'org.opencontainers.image.source=https://git.example.com/app', '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    const stored = await other.readManifest('copied/app', 'annotated');
    expect(JSON.parse(stored.toString())).toMatchObject({ config: image.config, layers: image.layers, annotations: { 'org.opencontainers.image.source': 'https://git.example.com/app' } });
    expect(run.stdout + run.stderr).toContain(`the source's digest was ${image.manifest.digest.slice(7, 19)}`);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`digest: ${sha256(stored)}`);

    const bad = await runHoist(['copy', `${registry.host}/team/app:42`, `${other.host}/copied/app:bad`, '--annotation', 'no-value']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'hoist: error: --annotation takes KEY=VALUE, not "no-value" (see hoist copy --help)']);
  });

  it('to a registry that refuses: exit 1, one line, no tag', async () => {
    const run = await runHoist(['copy', `${registry.host}/team/app:42`, `${locked.host}/copied/app:1`, '--no-cache', '-q']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const basic = `Basic ${Buffer.from(`hoist:${DEFAULT_USERS['hoist']}`).toString('base64')}`;
    expect(await manifestStatus(locked.url, 'copied/app', '1', basic)).toBe(404);
  });
});

/**
 * A front over the real registry that pages tag lists by `size`, as registries with a page limit
 * do (distribution 2.8 answers a whole list at once): it reads the registry's list and answers
 * `n`/`last` itself, with a Link to the next page. Everything else passes through.
 */
async function pagingFront(behind: TestRegistry, size: number): Promise<{ host: string; pages: number; close(): Promise<void> }> {
  const state = { pages: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const list = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    void (async () => {
      const upstream = await fetch(`${behind.url}${list ? `/v2/${list[1]}/tags/list` : req.url}`, { method: req.method ?? 'GET', headers: { accept: String(req.headers.accept ?? '*/*') } });
      if (!list || upstream.status !== 200) {
        res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
        res.end(Buffer.from(await upstream.arrayBuffer()));
        return;
      }
      const all = ((await upstream.json()) as { tags: string[] }).tags.sort();
      const last = url.searchParams.get('last');
      const rest = last === null ? all : all.filter((t) => t > last);
      const page = rest.slice(0, Math.min(size, Number(url.searchParams.get('n') ?? size)));
      state.pages++;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page.length < rest.length) headers['link'] = `</v2/${list[1]}/tags/list?n=${size}&last=${page.at(-1)}>; rel="next"`;
      res.writeHead(200, headers);
      res.end(JSON.stringify({ name: list[1], tags: page }));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get pages() {
      return state.pages;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
