import { readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayoutWriter, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, sha256 } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';
import { hoistInProcess } from './in-process.js';

/**
 * A fixed corpus of bad input: references, layouts, index.json and manifests that lie or are
 * broken. Each must end in exit 2 and one line on stderr, quickly, before any request is sent.
 */
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => registry?.stop());

const FAKE = `sha256:${'f'.repeat(64)}`;

/** A valid one-image layout, then `spoil` breaks it. */
async function spoiled(spoil: (l: { dir: string; writer: LayoutWriter; manifest: Record<string, unknown> }) => Promise<void>): Promise<string> {
  const dir = await tempDir('hoist-bad-');
  const writer = await LayoutWriter.create(dir);
  const layer = await writer.writeBlob(Buffer.from('layer bytes'), OCI_LAYER_GZIP);
  const config = await writer.writeBlob(Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}'), 'application/vnd.oci.image.config.v1+json');
  const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] };
  await spoil({ dir, writer, manifest });
  return dir;
}

/** Writes `manifest` (possibly broken) as the layout's only image. */
async function withManifest(writer: LayoutWriter, manifest: unknown, mediaType = OCI_MANIFEST): Promise<void> {
  const bytes = Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  const descriptor = await writer.writeBlob(bytes, mediaType);
  await writer.writeIndexJson([{ descriptor }]);
}

const indexJson = (dir: string, content: string) => writeFile(join(dir, 'index.json'), content);

/** Moves `path` out of the layout and leaves a symbolic link to it in its place. */
async function linkOutside(path: string): Promise<void> {
  const outside = join(await tempDir('hoist-outside-'), 'moved');
  await rename(path, outside);
  await symlink(outside, path);
}

const cases: [string, () => Promise<string[]>, string][] = [
  // References
  ['empty reference', async () => [await good(), ''], 'it is empty'],
  ['uppercase repository', async () => [await good(), `${registry.host}/Team/app`], 'must be lowercase'],
  ['space in tag', async () => [await good(), `${registry.host}/app:a b`], 'white space'],
  ['empty tag', async () => [await good(), `${registry.host}/app:`], 'tag ""'],
  ['tag starting with a dot', async () => [await good(), `${registry.host}/app:.x`], 'tag ".x"'],
  ['tag of 129 characters', async () => [await good(), `${registry.host}/app:${'t'.repeat(129)}`], 'tag "'],
  ['short digest', async () => [await good(), `${registry.host}/app@sha256:abc`], 'digest "sha256:abc"'],
  ['unknown digest algorithm', async () => [await good(), `${registry.host}/app@md5:${'a'.repeat(32)}`], 'digest "md5:'],
  ['double slash', async () => [await good(), `${registry.host}//app`], 'empty component'],
  ['trailing slash', async () => [await good(), `${registry.host}/app/`], 'empty component'],
  ['leading separator', async () => [await good(), `${registry.host}/-app`], 'component "-app"'],
  ['name of 300 characters', async () => [await good(), `${registry.host}/${'a'.repeat(300)}`], 'longer than 255'],
  ['invalid host', async () => [await good(), 'bad_host.example:5000/app'], 'registry host "bad_host.example:5000"'],
  // The layout itself
  ['missing directory', async () => ['/nonexistent/hoist-layout', dest()], 'no such directory'],
  ['a one-byte file, neither layout nor archive', async () => { const file = join(await tempDir(), 'image.tar'); await writeFile(file, 'x'); return [file, dest()]; }, 'truncated tar'],
  ['oci-layout missing', async () => [await spoiled(async ({ dir, writer, manifest }) => { await withManifest(writer, manifest); await rm(join(dir, 'oci-layout')); }), dest()], 'oci-layout is missing'],
  ['oci-layout not JSON', async () => [await spoiled(async ({ dir, writer, manifest }) => { await withManifest(writer, manifest); await writeFile(join(dir, 'oci-layout'), 'v1'); }), dest()], 'oci-layout is not valid'],
  // index.json
  ['index.json missing', async () => [await spoiled(async () => {}), dest()], 'index.json is missing'],
  ['index.json truncated', async () => [await spoiled(async ({ dir }) => indexJson(dir, '{"schemaVersion":2,"manif')), dest()], 'index.json is not valid JSON'],
  ['index.json is an array', async () => [await spoiled(async ({ dir }) => indexJson(dir, '[]')), dest()], 'no "manifests" list'],
  ['manifests is not a list', async () => [await spoiled(async ({ dir }) => indexJson(dir, '{"manifests":{}}')), dest()], 'no "manifests" list'],
  ['no images listed', async () => [await spoiled(async ({ dir }) => indexJson(dir, '{"manifests":[]}')), dest()], 'lists no images'],
  ['entry is not an object', async () => [await spoiled(async ({ dir }) => indexJson(dir, '{"manifests":[7]}')), dest()], 'not a descriptor object'],
  ['entry without mediaType', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"digest":"${FAKE}","size":2}]}`)), dest()], 'has no mediaType'],
  ['digest escaping blobs/', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"sha256:../../../etc/passwd","size":2}]}`)), dest()], 'invalid digest'],
  ['negative size', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":-1}]}`)), dest()], 'invalid size "-1"'],
  ['fractional size', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":1.5}]}`)), dest()], 'invalid size "1.5"'],
  ['size beyond 2^53', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":1e20}]}`)), dest()], 'invalid size'],
  ['size as a string', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":"12"}]}`)), dest()], 'invalid size "12"'],
  ['manifest claiming a giant size', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":9007199254740991}]}`)), dest()], 'claims 9007199254740991 bytes'],
  ['several images, no ref', async () => [await spoiled(async ({ writer, manifest }) => { const a = await writer.writeBlob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST); const b = await writer.writeBlob(Buffer.from(JSON.stringify({ ...manifest, annotations: { x: 'y' } })), OCI_MANIFEST); await writer.writeIndexJson([{ descriptor: a, ref: 'a' }, { descriptor: b, ref: 'b' }]); }), dest()], 'lists 2 images'],
  ['unknown ref', async () => [`oci:${await good()}:nope`, dest()], 'no image named "nope"'],
  ['ref names that would forge output lines', async () => [await spoiled(async ({ writer, manifest }) => { const a = await writer.writeBlob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST); const b = await writer.writeBlob(Buffer.from(JSON.stringify({ ...manifest, annotations: { x: 'y' } })), OCI_MANIFEST); await writer.writeIndexJson([{ descriptor: a, ref: 'a\nhoist: pushed OK' }, { descriptor: b, ref: 'b\u001b[2J' }]); }), dest()], 'a\\nhoist: pushed OK'],
  // Destination refs: a layout ref follows the OCI ref.name grammar, never a path
  ['layout ref climbing out of DIR', async () => [await good(), `oci:${await tempDir()}/out:../../../x`], '"../../../x" is not a valid OCI layout ref'],
  ['layout destination with no directory', async () => [await good(), 'oci::v1'], 'an oci: destination names no directory: write oci:DIR[:REF]'],
  ['layout ref with a newline, from -t', async () => [await good(), `oci:${await tempDir()}/out`, '-t', 'a\nhoist: pushed OK'], '"a\\nhoist: pushed OK" is not a valid OCI layout ref'],
  // Paths that lead out of the layout
  ['layer blob linked to a file outside', async () => [await spoiled(async ({ writer, manifest }) => { await withManifest(writer, manifest); await linkOutside(writer.blobPath((manifest['layers'] as { digest: string }[])[0]!.digest)); }), dest()], 'is a link that leads out of the layout'],
  ['blobs/sha256 linked to a directory outside', async () => [await spoiled(async ({ dir, writer, manifest }) => { await withManifest(writer, manifest); await linkOutside(join(dir, 'blobs', 'sha256')); }), dest()], 'leads out of the layout'],
  // Manifests
  ['manifest blob missing', async () => [await spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":2}]}`)), dest()], `blob ${FAKE.slice(7, 19)} is missing`],
  ['manifest bytes do not match digest', async () => [await spoiled(async ({ writer, manifest }) => { await withManifest(writer, manifest); const d = JSON.parse(await readFile(join(writer.dir, 'index.json'), 'utf8')).manifests[0].digest; await writeFile(writer.blobPath(d), JSON.stringify({ ...manifest, schemaVersion: 3 })); }), dest()], 'is corrupt'],
  ['manifest not JSON', async () => [await spoiled(async ({ writer }) => withManifest(writer, '{"schemaVersion": 2,')), dest()], 'is not valid JSON'],
  ['manifest is null', async () => [await spoiled(async ({ writer }) => withManifest(writer, 'null')), dest()], 'not a JSON object'],
  ['manifest without config', async () => [await spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, config: undefined })), dest()], '"config"[0] is not a descriptor object'],
  ['layers not a list', async () => [await spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: 'x' })), dest()], '"layers" is missing or not a list'],
  ['layer with bad digest', async () => [await spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: [{ mediaType: OCI_LAYER_GZIP, digest: 'sha256:zz', size: 1 }] })), dest()], 'invalid digest "sha256:zz"'],
  ['layer blob missing', async () => [await spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: [{ mediaType: OCI_LAYER_GZIP, digest: FAKE, size: 1 }] })), dest()], `blob ${FAKE.slice(7, 19)} is missing`],
  ['layer size lies', async () => [await spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: [{ ...(manifest['layers'] as object[])[0], size: 2 ** 40 }] })), dest()], 'has 11 bytes where 1099511627776 are declared'],
  ['unknown media type, no hint in JSON', async () => [await spoiled(async ({ writer }) => withManifest(writer, { schemaVersion: 2 }, 'application/x-unknown')), dest()], 'unsupported media type "application/x-unknown"'],
  ['index child of an unknown type', async () => [await spoiled(async ({ writer }) => withManifest(writer, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: 'text/plain', digest: FAKE, size: 1 }] }, OCI_INDEX)), dest()], 'unsupported media type "text/plain"'],
  ['indexes nested too deep', async () => [await spoiled(async ({ writer, manifest }) => {
    let child = await writer.writeBlob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
    for (let i = 0; i < 10; i++) child = await writer.writeIndex([child]);
    await writer.writeIndexJson([{ descriptor: child }]);
  }), dest()], 'nest deeper than 8 levels'],
  // Archives
  ['gzip archive declaring more than --max-decompressed', async () => ['--max-decompressed', '1KiB', await gzipOf(Buffer.alloc(64 * 1024)), dest()], 'declares 64.0 KiB, more than the limit of 1.0 KiB'],
  ['gzip archive with no trailer', async () => [await gzipOf(Buffer.alloc(0), (gz) => gz.subarray(0, 10)), dest()], 'the gzip stream is truncated or corrupt'],
];

/** `bytes` gzip'd into a file of its own, `spoil` applied to the compressed bytes. */
async function gzipOf(bytes: Buffer, spoil: (gz: Buffer) => Buffer = (gz) => gz): Promise<string> {
  const file = join(await tempDir('hoist-bad-'), 'archive.tar.gz');
  await writeFile(file, spoil(gzipSync(bytes)));
  return file;
}

let goodLayout: string | undefined;
async function good(): Promise<string> {
  goodLayout ??= await spoiled(async ({ writer, manifest }) => withManifest(writer, manifest));
  return goodLayout;
}
const dest = () => `${registry.host}/malformed/app:v1`;

describe('malformed input corpus', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)('%s: exit 2, one line, nothing sent', async (_name, args, message) => {
    const before = (await registry.accessLog()).length;
    const started = Date.now();
    const run = await runHoist(['push', ...(await args())]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hoist: error: /);
    expect(lines[0]).toContain(message);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await registry.accessLog()).length).toBe(before);
  });

  it('the good layout of the corpus does push, so the failures above are the spoiling', async () => {
    const run = await runHoist(['push', await good(), dest()]);
    expect(run.code).toBe(0);
    const digest = JSON.parse(await readFile(join(await good(), 'index.json'), 'utf8')).manifests[0].digest as string;
    expect(run.stdout).toContain(`digest: ${digest}`);
    expect(sha256(await readFile(join(await good(), 'blobs', 'sha256', digest.slice(7))))).toBe(digest);
  });
});

/**
 * Names and document shapes the decoders (core/src/decode) refuse, run in this process (main):
 * descriptors in a layout, and a registry's own documents served by a hostile front.
 */
const layoutCases: [string, () => Promise<string>, string][] = [
  ['layer media type not type/subtype', () => spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: [{ ...(manifest['layers'] as object[])[0], mediaType: 'layer' }] })), 'invalid mediaType "layer"'],
  ['media type with an escape in it', () => spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: [{ ...(manifest['layers'] as object[])[0], mediaType: 'application/x\u001b[2J' }] })), 'invalid mediaType "application/x\\u001b[2J"'],
  ['artifactType an object', () => spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, layers: [{ ...(manifest['layers'] as object[])[0], artifactType: { a: 1 } }] })), 'invalid artifactType'],
  ['annotation value not a string', () => spoiled(async ({ writer, manifest }) => withManifest(writer, { ...manifest, annotations: { 'org.opencontainers.image.created': 1 } })), 'annotations "org.opencontainers.image.created" is not a string'],
  ['platform without os', () => spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${FAKE}","size":2,"platform":{"architecture":"amd64"}}]}`)), 'needs "architecture" and "os"'],
  ['sha512 digest of 64 hex', () => spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"sha512:${'a'.repeat(64)}","size":2}]}`)), 'invalid digest "sha512:'],
  ['upper-case hex digest', () => spoiled(async ({ dir }) => indexJson(dir, `{"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"sha256:${'A'.repeat(64)}","size":2}]}`)), 'invalid digest'],
];

/** A registry's documents, each answered by the front for the one request it rewrites: [name, verb, path, body, message]. */
const registryCases: [string, 'ls' | 'referrers', RegExp, string, string][] = [
  ['tag list not JSON', 'ls', /\/tags\/list/, '<html>', 'the tag list is not valid JSON'],
  ['tag list an array', 'ls', /\/tags\/list/, '["1.0"]', 'the tag list is not a JSON object'],
  ['tags a string', 'ls', /\/tags\/list/, '{"tags":"1.0"}', 'the tag list\'s "tags" is not a list'],
  ['referrers not JSON', 'referrers', /\/referrers\//, '{"manifests": [', 'is not valid JSON'],
  ['referrers without manifests', 'referrers', /\/referrers\//, '{"schemaVersion":2}', 'is not an OCI index (no "manifests" list)'],
  ['referrers a list', 'referrers', /\/referrers\//, '[]', 'is not a JSON object'],
];

describe('malformed names and documents, in process', () => {
  let front: FaultProxy;
  beforeAll(async () => {
    front = await startFaultProxy(registry.host);
    const pushed = await hoistInProcess(['push', await good(), `${registry.host}/malformed/docs:v1`, '-q']);
    expect(pushed.code, pushed.stderr).toBe(0);
  });
  afterAll(async () => front?.close());

  it.each(layoutCases)('%s: exit 2, one line, nothing sent', async (_name, layout, message) => {
    const before = (await registry.accessLog()).length;
    const run = await hoistInProcess(['push', await layout(), dest()]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hoist: error: /)]);
    expect(run.stderr).toContain(message);
    expect((await registry.accessLog()).length).toBe(before);
  });

  it.each(registryCases)('%s: exit 1, one line naming it', async (_name, verb, path, body, message) => {
    const restore = front.addRule({ method: 'GET', path, times: Infinity, action: { type: 'status', status: 200, body, headers: { 'content-type': 'application/json' } } });
    const run = await hoistInProcess([verb, `${front.host}/malformed/docs${verb === 'ls' ? '' : ':v1'}`]);
    restore();
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hoist: error: /)]);
    expect(run.stderr).toContain(message);
  });
});
