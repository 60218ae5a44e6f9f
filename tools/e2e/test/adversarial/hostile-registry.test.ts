import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from '../helpers.js';
import { hoistInProcess } from '../in-process.js';

/**
 * A real registry (distribution) behind a hostile front: the fault proxy answers the tag list and
 * the referrers API of upstream/app with what an attacker upstream would send, and passes
 * everything else through to the registry, which holds upstream/app:good. hoist runs in-process
 * (main), against a second registry as the mirror. Each case checks what reached the wire (the
 * proxy's and the mirror's logs), what the mirror holds, and that no raw ESC or line break of the
 * registry's got into the output.
 */
let source: TestRegistry;
let mirror: TestRegistry;
let front: FaultProxy;
let good: WrittenImage;

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const HOSTILE_TAGS = ['good', '../../../../evil/put-here', 'clear\u001b[2J', 'x\nhoist: pushed OK', 7, null];

beforeAll(async () => {
  [source, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  const layout = join(await tempDir(), 'good');
  good = await makeImageLayout(layout, [4 * 1024]);
  const pushed = await runHoist(['push', layout, `${source.host}/upstream/app:good`, '--no-cache', '-q']);
  expect(pushed.code, pushed.stderr).toBe(0);
  front = await startFaultProxy(source.host);
}, 60_000);
afterAll(async () => Promise.all([front?.close(), source?.stop(), mirror?.stop()]));

/** The front answers GETs of `path` with `body` (JSON) and `headers`, every time, until the test ends. */
function hostile(path: RegExp, body: unknown, headers: Record<string, string> = {}): () => void {
  return front.addRule({ method: 'GET', path, times: Infinity, action: { type: 'status', status: 200, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } } });
}



/** Nothing the registry sent is printed raw: no ESC, no line that does not start as hoist's own. */
function expectNoRawText(run: { stdout: string; stderr: string }): void {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  expect(run.stdout + run.stderr).not.toMatch(/[\u001b\u009b]/);
  for (const line of run.stderr.trim().split('\n').filter(Boolean)) expect(line, run.stderr).toMatch(/^(hoist: |pushing |[\w.:-]+\/)/);
  expect(run.stdout + run.stderr).not.toMatch(/^hoist: pushed OK/m);
}

const requestsOutside = (paths: string[], repository: string) => paths.filter((p) => p !== '/v2/' && !p.startsWith(`/v2/${repository}/`));

describe('a source registry that lists hostile tag names', () => {
  it('hoist sync copies the good tag, sends nothing outside the repository, and warns once, escaped (defect 3)', async () => {
    const restore = hostile(/^\/v2\/upstream\/app\/tags\/list/, { name: 'upstream/app', tags: HOSTILE_TAGS });
    const mark = (await mirror.accessLog()).length;
    const marked = front.log.length;
    const run = await hoistInProcess(['sync', `${front.host}/upstream/app`, `${mirror.host}/mirror`, '--no-cache']);
    restore();
    expect(run.code, run.stderr).toBe(0);
    const atMirror = (await mirror.accessLog()).slice(mark).map((e) => e.uri);
    expect(requestsOutside(atMirror, 'mirror/upstream/app')).toEqual([]);
    expect(requestsOutside(front.log.slice(marked).map((r) => r.path), 'upstream/app')).toEqual([]);
    expect([...atMirror, ...front.log.map((r) => r.path)].join(' ')).not.toMatch(/evil|%1b|%0a/i);
    const res = await fetch(`${mirror.url}/v2/mirror/upstream/app/tags/list`);
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(['good']);
    const warnings = run.stderr.split('\n').filter((l) => l.startsWith('hoist: warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('5 names that are not tags');
    expect(warnings[0]).toContain('"../../../../evil/put-here", "clear\\u001b[2J", "x\\nhoist: pushed OK"');
    expectNoRawText(run);
    expect(run.stdout).toContain('sync: 1 of 1 image copied');
  });

  it('hoist ls prints the good tags and one escaped warning (defect 8)', async () => {
    const restore = hostile(/^\/v2\/upstream\/app\/tags\/list/, { name: 'upstream/app', tags: HOSTILE_TAGS });
    const plain = await hoistInProcess(['ls', `${front.host}/upstream/app`]);
    const json = await hoistInProcess(['ls', `${front.host}/upstream/app`, '--json']);
    restore();
    expect([plain.code, json.code]).toEqual([0, 0]);
    expect(plain.stdout).toBe('good\n');
    expectNoRawText(plain);
    expectNoRawText(json);
    expect((JSON.parse(json.stdout) as { tags: string[] }).tags).toEqual(['good']);
  });

  it('a Link header back at the page already read stops at once, naming the loop (defect 6)', async () => {
    const restore = hostile(/^\/v2\/upstream\/app\/tags\/list/, { tags: ['good'] }, { link: '</v2/upstream/app/tags/list?n=1000>; rel="next"' });
    const marked = front.log.length;
    const run = await hoistInProcess(['ls', `${front.host}/upstream/app`]);
    restore();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('leads back to a page already read');
    expect(front.log.slice(marked).filter((r) => r.path.includes('/tags/list'))).toHaveLength(1);
  });

  it('a Link header to another repository is not followed', async () => {
    const restore = hostile(/^\/v2\/upstream\/app\/tags\/list/, { tags: ['good'] }, { link: '</v2/upstream/app/tags/list/../../../other/tags/list?n=1>; rel="next"' });
    const marked = front.log.length;
    const run = await hoistInProcess(['ls', `${front.host}/upstream/app`]);
    restore();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('leads out of the repository');
    expect(requestsOutside(front.log.slice(marked).map((r) => r.path), 'upstream/app')).toEqual([]);
  });

  it('a list of 100k tags fails that source alone, with the limit in the message, and the sync still ends with its summary (defect 6)', async () => {
    const tags = Array.from({ length: 100_000 }, (_, i) => `t${i}`);
    const restore = hostile(/^\/v2\/upstream\/big\/tags\/list/, { name: 'upstream/big', tags });
    const run = await hoistInProcess(['sync', `${front.host}/upstream/big`, `${front.host}/upstream/app:good`, `${mirror.host}/big`, '--no-cache']);
    restore();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/upstream\/big: the tag list goes on past 20000 tags, hoist's limit/);
    expect(run.stdout).toContain('sync: 1 of 2 images copied, 1 failed');
    expect(run.ms).toBeLessThan(20_000);
  });
});

describe('a source registry whose referrers list holds hostile entries', () => {
  const referrersOf = () => new RegExp(`^/v2/upstream/app/referrers/${good.manifest.digest}`);
  const spdx = () => ({ mediaType: OCI_MANIFEST, digest: good.manifest.digest, size: good.manifest.size, artifactType: 'application/spdx+json' });
  const entries = () => [
    null,
    { mediaType: OCI_MANIFEST, digest: 'sha256:../../evil', size: 1 },
    { mediaType: OCI_MANIFEST, digest: good.manifest.digest, size: 'big' },
    { mediaType: OCI_MANIFEST, digest: good.manifest.digest, size: 1, artifactType: { a: 1 } },
    { mediaType: OCI_MANIFEST, digest: good.manifest.digest, size: 1, artifactType: 'application/x\u001b[2J\nhoist: pushed OK' },
  ];

  it('hoist referrers prints the valid entry and one escaped warning; no bad digest reaches a URL (defect 9)', async () => {
    const restore = hostile(referrersOf(), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...entries(), spdx()] });
    const marked = front.log.length;
    const run = await hoistInProcess(['referrers', `${front.host}/upstream/app:good`]);
    const typed = await hoistInProcess(['referrers', `${front.host}/upstream/app:good`, '--artifact-type', 'application/spdx+json', '--json']);
    restore();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${good.manifest.digest}  application/spdx+json  ${good.manifest.size}\n`);
    expect(run.stderr).toContain('5 entries that are not valid descriptors left out');
    expect(run.stderr).toContain('invalid digest "sha256:../../evil"');
    expectNoRawText(run);
    expect(typed.code, typed.stderr).toBe(0);
    expect((JSON.parse(typed.stdout) as { referrers: unknown[] }).referrers).toEqual([spdx()]);
    expect(front.log.slice(marked).map((r) => r.path).join(' ')).not.toContain('evil');
  });

  it('copy --include-referrers copies the image and leaves the bad entries out, without an unexpected failure (defect 9)', async () => {
    const restore = hostile(referrersOf(), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries() });
    const marked = front.log.length;
    const run = await hoistInProcess(['copy', `${front.host}/upstream/app:good`, `${mirror.host}/withrefs/app:good`, '--include-referrers', '--no-cache']);
    restore();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('unexpected failure');
    expect(front.log.slice(marked).map((r) => r.path).join(' ')).not.toContain('evil');
    expectNoRawText(run);
  });
});

describe('a source registry that serves hostile documents', () => {
  const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
  /** The front serves `manifest` as upstream/evil:x and each of `blobs` under its digest; returns what takes them away. */
  function image(manifest: { mediaType: string } & Record<string, unknown>, blobs: string[] = []): () => void {
    const restores = [hostile(/^\/v2\/upstream\/evil\/manifests\/x$/, manifest, { 'content-type': manifest.mediaType }), ...blobs.map((b) => hostile(new RegExp(`^/v2/upstream/evil/blobs/${sha256(b)}$`), b, { 'content-type': 'application/octet-stream' }))];
    return () => restores.forEach((restore) => restore());
  }

  it('a config nested 200000 levels deep is refused as the source\'s fault, plain and --json, not an unexpected failure', async () => {
    const config = `{"architecture":"amd64","os":"linux","config":{"Healthcheck":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}}`;
    const restore = image({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length }, layers: [] }, [config]);
    const plain = await hoistInProcess(['inspect', `docker://${front.host}/upstream/evil:x`]);
    const json = await hoistInProcess(['inspect', `docker://${front.host}/upstream/evil:x`, '--json']);
    restore();
    for (const run of [plain, json]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`config ${sha256(config).slice(7, 19)} nests deeper than 64 levels`);
      expect(run.stderr).not.toContain('unexpected failure');
    }
  });

  it('an index of 3000 children is refused before any child is fetched, not fetched all at once', async () => {
    const children = Array.from({ length: 3000 }, (_, i) => ({ mediaType: OCI_MANIFEST, digest: sha256(`child ${i}`), size: 1000, platform: { architecture: `arch${i}`, os: 'linux' } }));
    const restore = image({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children });
    const marked = front.log.length;
    const run = await hoistInProcess(['copy', `${front.host}/upstream/evil:x`, `${mirror.host}/many:x`, '--no-cache']);
    restore();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/makes the image more than 1000 manifests or 64 MiB of them, hoist's limit/);
    expect(front.log.slice(marked).filter((r) => r.path.includes('/manifests/sha256:'))).toEqual([]);
    expect(run.ms).toBeLessThan(10_000);
  });

  it("an error body's message of 60000 characters and ESC sequences is one short escaped line, plain and --json", async () => {
    const message = `\u001b[2J\u009b31m${'A'.repeat(60_000)}`;
    const restore = front.addRule({ method: 'GET', path: /^\/v2\/upstream\/evil\/manifests\/x$/, times: Infinity, action: { type: 'status', status: 404, body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message }] }) } });
    const plain = await hoistInProcess(['copy', `${front.host}/upstream/evil:x`, `${mirror.host}/err:x`, '--no-cache']);
    const json = await hoistInProcess(['copy', `${front.host}/upstream/evil:x`, `${mirror.host}/err:x`, '--no-cache', '--json']);
    restore();
    for (const run of [plain, json]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('fetching manifest x failed: MANIFEST_UNKNOWN: \\u001b[2J\\u009b31mAAA');
      expect(run.stderr.length).toBeLessThan(1000);
      expect(run.stdout.length).toBeLessThan(1000);
      expectNoRawText(run);
    }
  });
});
