import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { fileBlobLocations, memoryBlobLocations, openOciLayout, parseReference, pushImage, type PushEvent, type RegistryAdapter } from '@hoist/core';
import { makeImageLayout, makeIndexLayout, makeUmociLayout, sha256, skopeoCopyToLayout, skopeoListTags, skopeoRawManifest } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type AccessLogEntry, type TestRegistry } from '@hoist/test-registry';
import { flipByte, manifestStatus, tempDir } from './helpers.js';

/** The library API against a real open registry; every outcome is read back with skopeo or the access log. */
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => registry?.stop());

async function push(layout: string, destinations: string[], extra: Partial<Parameters<typeof pushImage>[0]> = {}) {
  const events: PushEvent[] = [];
  const result = await pushImage({
    source: await openOciLayout({ path: layout }),
    destinations: destinations.map(parseReference),
    adapters: [genericAdapter({ dockerConfig: '/nonexistent/config.json' })],
    blobLocations: memoryBlobLocations(),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { result, events };
}

/** Requests logged since `mark` entries, for the repository under test only. */
async function requestsFor(repository: string, mark: number): Promise<AccessLogEntry[]> {
  return (await registry.accessLog()).slice(mark).filter((e) => e.uri.startsWith(`/v2/${repository}/`));
}

const uploads = (log: AccessLogEntry[]) => log.filter((e) => e.uri.includes('/blobs/uploads/') && e.method !== 'POST');

describe('push engine against a real registry', () => {
  it('pushes a single-manifest image whose digest, manifest bytes and blobs match the layout', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [64 * 1024, 300 * 1024]);
    const { result } = await push(dir, [`${registry.host}/single/app:v1`]);

    expect(result.digest).toBe(image.manifest.digest);
    const raw = await skopeoRawManifest(`${registry.host}/single/app:v1`);
    expect(sha256(raw)).toBe(image.manifest.digest);
    expect(raw).toEqual(await readFile(image.writer.blobPath(image.manifest.digest)));

    // skopeo copies every blob out again, verifying each against its digest.
    const copy = await tempDir();
    await skopeoCopyToLayout(`${registry.host}/single/app:v1`, copy);
    for (const layer of image.layers) {
      expect(await readFile(join(copy, 'blobs', 'sha256', layer.digest.slice(7)))).toEqual(await readFile(image.writer.blobPath(layer.digest)));
    }
    expect(result.destinations[0]).toMatchObject({ blobsUploaded: 3, blobsSkipped: 0, blobsMounted: 0, tags: ['v1'] });
  });

  it('pushes a nested index as it is: same index digest, children by digest, shared layer once', async () => {
    const dir = await tempDir();
    const { index, images } = await makeIndexLayout(dir, { nested: true });
    const mark = (await registry.accessLog()).length;
    const { result } = await push(dir, [`${registry.host}/nested/app:multi`]);

    expect(result.digest).toBe(index.digest);
    expect(sha256(await skopeoRawManifest(`${registry.host}/nested/app:multi`))).toBe(index.digest);
    for (const image of images) {
      expect(sha256(await skopeoRawManifest(`${registry.host}/nested/app@${image.manifest.digest}`))).toBe(image.manifest.digest);
    }
    const sharedLayer = images[0]!.layers[0]!.digest;
    const log = await requestsFor('nested/app', mark);
    expect(uploads(log).filter((e) => e.uri.includes(encodeURIComponent(sharedLayer)))).toHaveLength(1);
    // Children by digest, then the index by its tag (whose PUT stores it: one destination, nothing else to wait for).
    const manifestPuts = log.filter((e) => e.method === 'PUT' && e.uri.includes('/manifests/')).map((e) => e.uri.split('/manifests/')[1]);
    expect(manifestPuts.at(-1)).toBe('multi');
    expect(manifestPuts).not.toContain(index.digest);
    expect(manifestPuts).toContain(images[1]!.manifest.digest);
  });

  it('writes every tag at every destination, mounting blobs into the second repository', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [128 * 1024]);
    const mark = (await registry.accessLog()).length;
    const { result } = await push(dir, [`${registry.host}/multi/one:a`, `${registry.host}/multi/two:b`], { tags: ['shared', 'build-7'] });

    expect(await skopeoListTags(`${registry.host}/multi/one`)).toEqual(expect.arrayContaining(['a', 'shared', 'build-7']));
    expect(await skopeoListTags(`${registry.host}/multi/two`)).toEqual(expect.arrayContaining(['b', 'shared', 'build-7']));
    expect(sha256(await skopeoRawManifest(`${registry.host}/multi/two:build-7`))).toBe(image.manifest.digest);

    const all = (await registry.accessLog()).slice(mark);
    const mounts = all.filter((e) => e.method === 'POST' && e.uri.includes('mount='));
    expect(mounts).toHaveLength(2); // config and layer, each sent once and mounted once
    expect(mounts.every((e) => e.status === 201)).toBe(true);
    expect(uploads(all)).toHaveLength(2);
    expect(result.destinations.map((d) => d.blobsUploaded + d.blobsMounted)).toEqual([2, 2]);
  });

  it('uploads a blob whose mount the registry refuses (Harbor answers 403 across projects)', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [96 * 1024]);
    const proxy = await startFaultProxy(registry.host);
    proxy.addRule({ method: 'POST', path: /mount=/, times: Infinity, action: { type: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'project mismatch' }] }) } });
    try {
      const { result } = await push(dir, [`${proxy.host}/refused-mount/one:v1`, `${proxy.host}/refused-mount/two:v1`]);
      expect(proxy.log.filter((r) => r.method === 'POST' && r.path.includes('mount=') && r.fault === 'status')).toHaveLength(2);
      expect(result.destinations.map((d) => [d.blobsMounted, d.blobsUploaded])).toEqual([
        [0, 2],
        [0, 2],
      ]);
      expect(sha256(await skopeoRawManifest(`${registry.host}/refused-mount/two:v1`))).toBe(image.manifest.digest);
    } finally {
      await proxy.close();
    }
  });

  it('keeps connections alive across blob checks: 16 layers, a handful of connections', async () => {
    const dir = await tempDir();
    await makeImageLayout(dir, Array.from({ length: 16 }, (_, i) => 2048 + i));
    await push(dir, [`${registry.host}/keepalive/app:v1`]);
    // The registry logs each request with the client's address and port: one port, one connection.
    const log = await readFile(join(registry.dir, 'registry.log'), 'utf8');
    const lines = log.split('\n').filter((l) => l.includes('/v2/keepalive/app/'));
    const ports = new Set(lines.map((l) => /http\.request\.remoteaddr="[^"]*:(\d+)"/.exec(l)?.[1]));
    expect(lines.length).toBeGreaterThanOrEqual(16 * 3);
    expect(ports.size).toBeLessThanOrEqual(8);
  });

  it('re-pushes an image that is already there without sending a blob: one HEAD and one PUT per tag', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [256 * 1024, 32 * 1024]);
    await push(dir, [`${registry.host}/repush/app:first`]);
    const mark = (await registry.accessLog()).length;
    const { result, events } = await push(dir, [`${registry.host}/repush/app:second`]);

    const log = await requestsFor('repush/app', mark);
    expect(log.map((e) => `${e.method} ${e.uri.split('/repush/app/')[1]}`)).toEqual([`HEAD manifests/${image.manifest.digest}`, 'PUT manifests/second']);
    expect(events.map((e) => e.type)).toEqual(['image-started', 'manifest-skipped', 'manifest-pushed']);
    expect(result.destinations[0]).toMatchObject({ blobsUploaded: 0, bytesUploaded: 0 });
    expect(sha256(await skopeoRawManifest(`${registry.host}/repush/app:second`))).toBe(image.manifest.digest);
  });

  it('mounts from a repository a previous run pushed to, known from the blob locations cache', async () => {
    const dir = await tempDir();
    await makeImageLayout(dir, [100 * 1024]);
    const cacheFile = join(await tempDir(), 'blob-locations.json');
    await push(dir, [`${registry.host}/cache/first:v1`], { blobLocations: await fileBlobLocations(cacheFile) });
    const mark = (await registry.accessLog()).length;
    const { result } = await push(dir, [`${registry.host}/cache/second:v1`], { blobLocations: await fileBlobLocations(cacheFile) });

    const log = await requestsFor('cache/second', mark);
    expect(log.filter((e) => e.method === 'POST' && e.uri.includes('from=cache%2Ffirst') && e.status === 201)).toHaveLength(2);
    expect(uploads(log)).toHaveLength(0);
    expect(result.destinations[0]).toMatchObject({ blobsMounted: 2, blobsUploaded: 0 });
  });

  it('uploads in chunks when the adapter asks for it', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [200 * 1024]);
    const chunked: RegistryAdapter = genericAdapter({ dockerConfig: '/nonexistent', capabilities: { upload: 'chunked', chunkSize: 64 * 1024 } });
    const mark = (await registry.accessLog()).length;
    await push(dir, [`${registry.host}/chunked/app:v1`], { adapters: [chunked] });

    const patches = (await requestsFor('chunked/app', mark)).filter((e) => e.method === 'PATCH');
    // The gzip'd layer is a little over 200 KiB: four 64 KiB chunks; the config is one.
    expect(patches).toHaveLength(Math.ceil(image.layers[0]!.size / (64 * 1024)) + 1);
    expect(patches.every((e) => e.status === 202)).toBe(true);
    const copy = await tempDir();
    await skopeoCopyToLayout(`${registry.host}/chunked/app:v1`, copy);
    expect(await readFile(join(copy, 'blobs', 'sha256', image.layers[0]!.digest.slice(7)))).toEqual(await readFile(image.writer.blobPath(image.layers[0]!.digest)));
  });

  it('refuses a corrupt layer: no blob committed, no tag written', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [64 * 1024]);
    const layer = image.layers[0]!;
    await flipByte(image.writer.blobPath(layer.digest), -100);

    await expect(push(dir, [`${registry.host}/corrupt/app:v1`])).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    const res = await fetch(`${registry.url}/v2/corrupt/app/blobs/${layer.digest}`, { method: 'HEAD' });
    expect(res.status).toBe(404);
    expect(await manifestStatus(registry.url, 'corrupt/app', 'v1')).toBe(404);
  });

  it('pushes a layout made by umoci with the digest umoci recorded', async () => {
    const dir = join(await tempDir(), 'layout');
    await makeUmociLayout(dir, 'v1');
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const { result } = await push(dir, [`${registry.host}/umoci/app:v1`]);
    expect(result.digest).toBe(index.manifests[0]!.digest);
    expect(sha256(await skopeoRawManifest(`${registry.host}/umoci/app:v1`))).toBe(index.manifests[0]!.digest);
  });

  it('talks to the host an adapter names for a registry', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [16 * 1024]);
    const aliased: RegistryAdapter = {
      ...genericAdapter({ dockerConfig: '/nonexistent' }),
      name: 'alias',
      matches: (r) => r === 'images.example.test',
      apiHost: () => registry.host,
    };
    const { result } = await push(dir, ['images.example.test/alias/app:v1'], { adapters: [aliased] });
    expect(result.destinations[0]).toMatchObject({ registry: 'images.example.test', repository: 'alias/app' });
    expect(sha256(await skopeoRawManifest(`${registry.host}/alias/app:v1`))).toBe(image.manifest.digest);
  });
});
