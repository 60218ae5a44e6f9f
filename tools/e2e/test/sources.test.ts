import { randomBytes } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { memoryBlobLocations, memoryCompressionCache, openSource, parseReference, pushImage, type CompressionCache, type Descriptor, type ImageSource, type PushEvent } from '@hoist/core';
import { makeDocker25Archive, makeImageLayout, sha256, singleFileTar, skopeoArchive, skopeoCopyToLayout, skopeoRawManifest, tarOf, umociUnpack, writeLegacyArchive, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { linesBesideStart, manifestStatus, runHoist, tempDir } from './helpers.js';

/**
 * Every shape of input a pipeline hands over, made by real tools where one exists (skopeo for
 * docker-archive and oci-archive), pushed, and read back with skopeo: same config, layers whose
 * decompressed bytes match the config's diffIDs, index digests kept when nothing needed compressing.
 */
let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry();
  layout = await tempDir();
  image = await makeImageLayout(layout, [120 * 1024, 40 * 1024], 'v1');
});
afterAll(async () => registry?.stop());

let counter = 0;
async function push(source: string, extra: { cache?: CompressionCache; tag?: string } = {}) {
  const events: PushEvent[] = [];
  const repository = `sources/app${++counter}`;
  const opened = await openSource(source);
  try {
    const result = await pushImage({
      source: opened,
      destinations: [parseReference(`${registry.host}/${repository}:${extra.tag ?? 'v1'}`)],
      adapters: [genericAdapter({ dockerConfig: '/nonexistent' })],
      blobLocations: memoryBlobLocations(),
      compressionCache: extra.cache ?? memoryCompressionCache(),
      onEvent: (e) => events.push(e),
    });
    return { result, events, repository };
  } finally {
    await opened.close?.();
  }
}

/** Pulls the pushed image back with skopeo and checks config and layers against the diffIDs. */
async function expectConsistentImage(reference: string, configDigest: string): Promise<void> {
  const copy = await tempDir();
  await skopeoCopyToLayout(reference, copy);
  const index = JSON.parse(await readFile(join(copy, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (digest: string) => readFile(join(copy, 'blobs', 'sha256', digest.slice(7)));
  const manifest = JSON.parse((await blob(index.manifests[0]!.digest)).toString()) as { config: { digest: string }; layers: { digest: string; mediaType: string }[] };
  expect(manifest.config.digest).toBe(configDigest);
  const config = JSON.parse((await blob(configDigest)).toString()) as { rootfs: { diff_ids: string[] } };
  const diffIds = await Promise.all(manifest.layers.map(async (l) => sha256(gunzipSync(await blob(l.digest)))));
  expect(diffIds).toEqual(config.rootfs.diff_ids);
  expect(manifest.layers.every((l) => /gzip/.test(l.mediaType))).toBe(true);
}

describe('sources', () => {
  it('a docker save tarball written by skopeo: layers compressed, config and diffIDs unchanged', async () => {
    const file = join(await tempDir(), 'image.tar');
    await skopeoArchive(layout, 'v1', 'docker-archive', file, 'team/app:1.0');
    const { result, events, repository } = await push(`docker-archive:${file}:team/app:1.0`);
    expect(events.filter((e) => e.type === 'layer-compressed')).toHaveLength(2);
    expect(result.digest).not.toBe(result.sourceDigest);
    await expectConsistentImage(`${registry.host}/${repository}:v1`, image.config.digest);
  });

  it('an OCI archive written by skopeo, found by content, keeps its digest', async () => {
    const file = join(await tempDir(), 'image.oci.tar');
    await skopeoArchive(layout, 'v1', 'oci-archive', file, 'v1');
    const { result, events, repository } = await push(file);
    expect(events.filter((e) => e.type === 'layer-compressed')).toHaveLength(0);
    expect(result.digest).toBe(image.manifest.digest);
    expect(sha256(await skopeoRawManifest(`${registry.host}/${repository}:v1`))).toBe(image.manifest.digest);
  });

  it('a gzip-compressed OCI archive', async () => {
    const file = join(await tempDir(), 'image.oci.tar');
    await skopeoArchive(layout, 'v1', 'oci-archive', file, 'v1');
    await writeFile(`${file}.gz`, (await import('node:zlib')).gzipSync(await readFile(file)));
    const { result } = await push(`oci-archive:${file}.gz:v1`);
    expect(result.digest).toBe(image.manifest.digest);
  });

  it('a Docker 25 save (an OCI layout with uncompressed layers and manifest.json)', async () => {
    const file = join(await tempDir(), 'docker25.tar');
    const archive = await makeDocker25Archive(await tempDir(), file);
    const { repository } = await push(`docker-archive:${file}:team/app:1.0`);
    await expectConsistentImage(`${registry.host}/${repository}:v1`, archive.images[0]!.config.digest);
  });

  it('a containerd-store save: nested index rewritten, shared layer compressed once, gzip\'d archive', async () => {
    const file = join(await tempDir(), 'containerd.tar.gz');
    const archive = await makeDocker25Archive(await tempDir(), file, { containerd: true, gzip: true });
    const { result, events, repository } = await push(`docker-archive:${file}:docker.io/team/app:1.0`);
    const compressed = events.filter((e): e is Extract<PushEvent, { type: 'layer-compressed' }> => e.type === 'layer-compressed');
    expect(compressed.map((e) => e.diffId).sort()).toEqual([...archive.diffIds].sort());
    const index = JSON.parse((await skopeoRawManifest(`${registry.host}/${repository}:v1`)).toString()) as { manifests: { digest: string; platform: { architecture: string } }[] };
    expect(sha256(await skopeoRawManifest(`${registry.host}/${repository}:v1`))).toBe(result.digest);
    expect(index.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    for (const [i, child] of index.manifests.entries()) {
      await expectConsistentImage(`${registry.host}/${repository}@${child.digest}`, archive.images[i]!.config.digest);
    }
  });

  it('a re-push of the same tarball asks the registry first and compresses nothing', async () => {
    const file = join(await tempDir(), 'image.tar');
    await skopeoArchive(layout, 'v1', 'docker-archive', file, 'team/app:1.0');
    const cache = memoryCompressionCache();
    const first = await push(file, { cache });
    const second = await push(file, { cache, tag: 'again' });
    const compressions = (p: typeof first) => p.events.filter((e) => e.type === 'layer-compressed' && !e.cached).length;
    expect(compressions(first)).toBe(2);
    expect(compressions(second)).toBe(0);
    expect(second.result.digest).toBe(first.result.digest);
  });

  it("a layer compressed by hoist unpacks with umoci (Go's gzip) to the very files of the save", async () => {
    // Big enough for many blocks, some stored (random bytes) and some deflated (text).
    const files = [
      { name: 'usr/lib/libfake.so', content: randomBytes(1500 * 1024) },
      { name: 'etc/fake.conf', content: Buffer.from('key = value # a compressible line\n'.repeat(40_000)) },
    ];
    const layer = tarOf(files);
    const file = join(await tempDir(), 'image.tar');
    await writeLegacyArchive(file, { config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }, layers: [{ name: 'l1/layer.tar', content: layer }] });
    expect((await runHoist(['push', file, `${registry.host}/sources/unpack:v1`])).code).toBe(0);
    const copy = await tempDir();
    await skopeoCopyToLayout(`${registry.host}/sources/unpack:v1`, copy);
    const rootfs = join(await tempDir(), 'rootfs');
    await umociUnpack(copy, 'copy', rootfs);
    for (const f of files) expect((await readFile(join(rootfs, f.name))).equals(f.content), f.name).toBe(true);
  });

  it('uploads a compressed layer while the next one is still being compressed', async () => {
    // The second layer's bytes are held back until the first layer's compressed blob has landed
    // in the registry: without early uploads the push could never finish.
    const layers = [singleFileTar('first.bin', randomBytes(300 * 1024)), singleFileTar('second.bin', randomBytes(300 * 1024))];
    const events: PushEvent[] = [];
    let firstLanded!: () => void;
    const landed = new Promise<void>((resolve) => (firstLanded = resolve));
    const source = uncompressedSource(layers, (i) => (i === 1 ? landed : Promise.resolve()));
    const result = await pushImage({
      source,
      destinations: [parseReference(`${registry.host}/sources/early:v1`)],
      adapters: [genericAdapter({ dockerConfig: '/nonexistent' })],
      blobLocations: memoryBlobLocations(),
      compression: { format: 'gzip', level: 6 },
      onEvent: (event) => {
        events.push(event);
        const first = events.find((e) => e.type === 'layer-compressed' && e.diffId === sha256(layers[0]!));
        if (first?.type === 'layer-compressed' && event.type === 'blob-uploaded' && event.digest === first.digest) firstLanded();
      },
    });
    const order = events.filter((e) => e.type === 'layer-compressed' || e.type === 'blob-uploaded').map((e) => e.type);
    expect(order.slice(0, 3)).toEqual(['layer-compressed', 'blob-uploaded', 'layer-compressed']);
    // Placed early, and still counted once in the destination's result.
    expect(result.destinations[0]).toMatchObject({ blobsUploaded: 3, blobsSkipped: 0 });
    expect(sha256(await skopeoRawManifest(`${registry.host}/sources/early:v1`))).toBe(result.digest);
  });

  it('a failed push stops compressing the other layers, and reports nothing after its failure', async () => {
    // The first layer's bytes are held until the push has failed on the second (not its diffID).
    const layers = [singleFileTar('held.bin', randomBytes(300 * 1024)), singleFileTar('bad.bin', randomBytes(300 * 1024))];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const source = uncompressedSource(layers, (i) => (i === 0 ? released : Promise.resolve()));
    const openBlob = source.openBlob.bind(source);
    let held: Readable | undefined;
    source.openBlob = (d) => {
      if (d.digest === sha256(layers[1]!)) return Readable.from([randomBytes(layers[1]!.length)]);
      const stream = openBlob(d);
      if (d.digest === sha256(layers[0]!)) held = stream;
      return stream;
    };
    const events: PushEvent[] = [];
    const failure = pushImage({
      source,
      destinations: [parseReference(`${registry.host}/sources/stopped:v1`)],
      adapters: [genericAdapter({ dockerConfig: '/nonexistent' })],
      blobLocations: memoryBlobLocations(),
      onEvent: (event) => events.push(event),
    });
    await expect(failure).rejects.toMatchObject({ code: 'INVALID_SOURCE', message: expect.stringContaining('does not match its diffID') });
    const reported = events.length;
    release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(held?.destroyed).toBe(true);
    expect(events.slice(reported)).toEqual([]);
  });

  it('an archive holding two images: REF or @N picks one, none given lists them', async () => {
    const file = join(await tempDir(), 'two.tar');
    const layer = singleFileTar('a.txt', Buffer.from('a\n'));
    const config = { rootfs: { type: 'layers', diff_ids: [sha256(layer)] } };
    const configName = `${sha256(Buffer.from(JSON.stringify(config))).slice(7)}.json`;
    await writeLegacyArchive(file, {
      config,
      layers: [{ name: 'l1/layer.tar', content: layer }],
      manifest: [
        { Config: configName, RepoTags: ['team/app:1.0'], Layers: ['l1/layer.tar'] },
        { Config: configName, RepoTags: ['team/other:2.0', 'team/other:latest'], Layers: ['l1/layer.tar'] },
      ],
    });
    const ambiguous = await runHoist(['push', file, `${registry.host}/sources/pick:v1`]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('the archive holds 2 images; pick one with :REF from: @0 (team/app:1.0), @1 (team/other:2.0, team/other:latest)');
    expect((await runHoist(['push', `docker-archive:${file}:docker.io/team/other:2.0`, `${registry.host}/sources/pick:v2`])).code).toBe(0);
    expect((await runHoist(['push', `docker-archive:${file}:@1`, `${registry.host}/sources/pick:v3`])).code).toBe(0);
    const missing = await runHoist(['push', `docker-archive:${file}:@5`, `${registry.host}/sources/pick:v4`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no image @5');
  });
});

describe('bad archives: exit 2, one line naming the problem, nothing written', () => {
  const layerTar = singleFileTar('hello.txt', Buffer.from('hello\n'));
  const config = { rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } };

  it.each([
    ['a truncated tar', async (file: string) => {
      await writeLegacyArchive(file, { config, layers: [{ name: 'l1/layer.tar', content: layerTar }] });
      await truncate(file, 1500);
    }, 'truncated tar'],
    ['a tar without manifest.json or index.json', async (file: string) => writeFile(file, singleFileTar('hello.txt', Buffer.from('x'))), 'neither an OCI layout nor a docker save archive'],
    ['a layer listed but absent', async (file: string) => writeLegacyArchive(file, { config, layers: [], manifest: [{ Config: `${sha256(Buffer.from(JSON.stringify(config))).slice(7)}.json`, Layers: ['l1/layer.tar'] }] }), 'layer l1/layer.tar is missing'],
    ['a config whose diffIDs do not match the layers', async (file: string) => writeLegacyArchive(file, { config: { rootfs: { diff_ids: [`sha256:${'0'.repeat(64)}`] } }, layers: [{ name: 'l1/layer.tar', content: layerTar }] }), 'does not match its diffID'],
    ['a config listing fewer diffIDs than layers', async (file: string) => writeLegacyArchive(file, { config: { rootfs: { diff_ids: [] } }, layers: [{ name: 'l1/layer.tar', content: layerTar }] }), "diff_ids do not match the 1 layer listed"],
    ['a path that escapes the archive', async (file: string) => writeLegacyArchive(file, { config, layers: [{ name: 'l1/layer.tar', content: layerTar }], extra: [{ name: '../../etc/cron.d/evil', content: Buffer.from('x') }] }), 'escapes the archive'],
    ['not a tar at all', async (file: string) => writeFile(file, Buffer.alloc(2048, 0x41)), 'fails its checksum'],
    ['a broken gzip stream', async (file: string) => writeFile(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])), 'gzip stream is truncated or corrupt'],
  ])('%s', async (_name, make, message) => {
    const file = join(await tempDir(), 'bad.tar');
    await make(file);
    const before = (await registry.accessLog()).length;
    const result = await runHoist(['push', file, `${registry.host}/sources/bad:v1`]);
    expect(result.code).toBe(2);
    // A layer found corrupt while it is compressed comes after the image's start line.
    expect(linesBesideStart(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(message);
    // A layer's bytes are read after the checks before work, whose ping and HEAD write nothing; nothing else reached the registry.
    expect((await registry.accessLog()).slice(before).filter((e) => !(e.method === 'GET' && e.uri === '/v2/') && e.method !== 'HEAD')).toEqual([]);
  });

  it('a second layer that does not match its diffID: exit 2, no manifest and no tag, whatever went up before', async () => {
    const file = join(await tempDir(), 'half-bad.tar');
    const good = singleFileTar('good.bin', randomBytes(200 * 1024));
    const bad = singleFileTar('bad.bin', randomBytes(200 * 1024));
    await writeLegacyArchive(file, {
      config: { rootfs: { type: 'layers', diff_ids: [sha256(good), `sha256:${'0'.repeat(64)}`] } },
      layers: [
        { name: 'l1/layer.tar', content: good },
        { name: 'l2/layer.tar', content: bad },
      ],
    });
    const result = await runHoist(['push', file, `${registry.host}/sources/half-bad:v1`]);
    expect(result.code).toBe(2);
    // Progress lines for the good layer may come first; the failure is one line, the last.
    const errors = result.stderr.trim().split('\n').filter((l) => l.startsWith('hoist: error:'));
    expect(errors).toHaveLength(1);
    expect(result.stderr.trim().split('\n').at(-1)).toContain('does not match its diffID');
    const log = (await registry.accessLog()).filter((e) => e.uri.startsWith('/v2/sources/half-bad/'));
    expect(log.filter((e) => e.uri.includes('/manifests/') && e.method === 'PUT')).toEqual([]);
    expect(await manifestStatus(registry.url, 'sources/half-bad', 'v1')).toBe(404);
  });
});

/** An image of uncompressed (tar) layers held in memory; `gate(i)` holds back layer i's bytes until it resolves. */
function uncompressedSource(layers: Buffer[], gate: (i: number) => Promise<void>): ImageSource {
  const layerDescriptors: Descriptor[] = layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length }));
  const configBytes = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: layerDescriptors.map((d) => d.digest) } }));
  const config: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBytes), size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: layerDescriptors }));
  const blobs = new Map<string, { bytes: Buffer; index: number }>([[config.digest, { bytes: configBytes, index: -1 }], ...layerDescriptors.map((d, i) => [d.digest, { bytes: layers[i]!, index: i }] as const)]);
  return {
    description: 'memory image with uncompressed layers',
    root: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifestBytes), size: manifestBytes.length },
    readManifest: async () => manifestBytes,
    checkBlob: async () => {},
    openBlob: (d) => {
      const blob = blobs.get(d.digest)!;
      return Readable.from(
        (async function* () {
          await gate(blob.index);
          yield blob.bytes;
        })(),
      );
    },
  };
}
