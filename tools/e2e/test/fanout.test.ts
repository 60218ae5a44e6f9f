import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { memoryBlobLocations, openOciLayout, parseReference, pushImage, type ImageSource, type PushEvent, type RegistryAdapter } from '@hoist/core';
import { makeImageLayout, sha256, skopeoCopyToLayout, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, runHoist, tempDir } from './helpers.js';

/**
 * One push to several registries reads each blob once: the uploads to every registry take their
 * bytes from the same read of the source, verified once. A registry whose upload fails retries
 * on a read of its own; the others are not held up by it.
 */
let registries: TestRegistry[];
let proxy: FaultProxy;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registries = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  proxy = await startFaultProxy(registries[2]!.host);
  layout = await tempDir();
  // Layers of several reads each (1 MiB reads), and one of a single read.
  image = await makeImageLayout(layout, [6 * 1024 * 1024, 2 * 1024 * 1024 + 17, 40 * 1024]);
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all(registries.map((r) => r.stop()));
});

/** The layout as a source that counts how often each blob is opened. */
async function countingSource(dir: string): Promise<{ source: ImageSource; opens: Map<string, number> }> {
  const inner = await openOciLayout({ path: dir });
  const opens = new Map<string, number>();
  const source: ImageSource = Object.create(inner) as ImageSource;
  source.openBlob = (descriptor) => {
    opens.set(descriptor.digest, (opens.get(descriptor.digest) ?? 0) + 1);
    return inner.openBlob(descriptor);
  };
  return { source, opens };
}

let repoCounter = 0;
async function pushToAll(hosts: string[], dir = layout, adapters: RegistryAdapter[] = [genericAdapter({ dockerConfig: '/nonexistent' })]) {
  const repository = `fanout/app${++repoCounter}`;
  const { source, opens } = await countingSource(dir);
  const events: PushEvent[] = [];
  const outcome = await pushImage({
    source,
    destinations: hosts.map((host) => parseReference(`${host}/${repository}:v1`)),
    adapters,
    blobLocations: memoryBlobLocations(),
    retryPolicy: { baseDelayMs: 40 },
    onEvent: (e) => events.push(e),
  }).then(
    (result) => ({ result, error: undefined }),
    (error: Error & { code?: string }) => ({ result: undefined, error }),
  );
  return { ...outcome, opens, events, repository };
}

const blobsOf = (written: WrittenImage) => [written.config, ...written.layers];

describe('one read of each blob for every registry', () => {
  it('three registries: each blob opened once, and every registry holds the exact image', async () => {
    const push = await pushToAll(registries.map((r) => r.host));
    expect(push.error).toBeUndefined();
    expect(Object.fromEntries(push.opens)).toEqual(Object.fromEntries(blobsOf(image).map((b) => [b.digest, 1])));
    for (const registry of registries) {
      expect(sha256(await skopeoRawManifest(`${registry.host}/${push.repository}:v1`))).toBe(image.manifest.digest);
    }
    // skopeo reads every blob back from the last registry and checks each against its digest.
    const copy = await tempDir();
    await skopeoCopyToLayout(`${registries[2]!.host}/${push.repository}:v1`, copy);
    for (const layer of image.layers) {
      expect(sha256(await readFile(join(copy, 'blobs', 'sha256', layer.digest.slice(7))))).toBe(layer.digest);
    }
  });

  it('a registry whose upload is cut off retries on a read of its own; the others share theirs', async () => {
    const biggest = image.layers[0]!;
    proxy.addRule({ method: 'PUT', path: new RegExp(`/blobs/uploads/.*digest=${encodeURIComponent(biggest.digest)}`), action: { type: 'reset', afterBytes: 512 * 1024 } });
    try {
      const push = await pushToAll([registries[0]!.host, registries[1]!.host, proxy.host]);
      expect(push.error).toBeUndefined();
      expect(push.events.filter((e) => e.type === 'retry')).toHaveLength(1);
      expect(push.opens.get(biggest.digest)).toBe(2);
      for (const host of [registries[0]!.host, registries[1]!.host, registries[2]!.host]) {
        expect(sha256(await skopeoRawManifest(`${host}/${push.repository}:v1`))).toBe(image.manifest.digest);
      }
    } finally {
      proxy.clearRules();
    }
  });

  it('one registry in chunks and one in a single PUT share the read', async () => {
    const [monolithic, chunked] = registries as [TestRegistry, TestRegistry];
    const inChunks = genericAdapter({ dockerConfig: '/nonexistent', capabilities: { upload: 'chunked', chunkSize: 1024 * 1024 } });
    const adapters = [{ ...inChunks, name: 'chunked', matches: (host: string) => host === chunked.host }, genericAdapter({ dockerConfig: '/nonexistent' })];
    const mark = (await chunked.accessLog()).length;
    const push = await pushToAll([monolithic.host, chunked.host], layout, adapters);
    expect(push.error).toBeUndefined();
    expect(Object.fromEntries(push.opens)).toEqual(Object.fromEntries(blobsOf(image).map((b) => [b.digest, 1])));
    const patches = (await chunked.accessLog()).slice(mark).filter((e) => e.method === 'PATCH');
    expect(patches.length).toBeGreaterThanOrEqual(Math.ceil(image.layers[0]!.size / (1024 * 1024)));
    for (const host of [monolithic.host, chunked.host]) {
      expect(sha256(await skopeoRawManifest(`${host}/${push.repository}:v1`))).toBe(image.manifest.digest);
    }
  });

  it('a corrupt layer reaches no registry: no blob committed, no tag anywhere', async () => {
    const dir = await tempDir();
    const corrupt = await makeImageLayout(dir, [3 * 1024 * 1024]);
    const layer = corrupt.layers[0]!;
    const path = corrupt.writer.blobPath(layer.digest);
    const bytes = await readFile(path);
    bytes[bytes.length - 100]! ^= 0xff; // same size, other content
    await writeFile(path, bytes);

    const push = await pushToAll(registries.slice(0, 2).map((r) => r.host), dir);
    expect(push.error).toMatchObject({ code: 'DIGEST_MISMATCH' });
    for (const registry of registries.slice(0, 2)) {
      expect((await fetch(`${registry.url}/v2/${push.repository}/blobs/${layer.digest}`, { method: 'HEAD' })).status).toBe(404);
      expect(await manifestStatus(registry.url, push.repository, 'v1')).toBe(404);
    }
  });

  it('a docker:// source pushed to two registries: each blob fetched from the source once', async () => {
    const [source, ...targets] = registries as [TestRegistry, TestRegistry, TestRegistry];
    const seeded = await runHoist(['push', layout, `${source.host}/promote/app:rc1`]);
    expect(seeded.code).toBe(0);
    const mark = (await source.accessLog()).length;
    const run = await runHoist(['push', `docker://${source.host}/promote/app:rc1`, ...targets.map((t) => `${t.host}/promoted/app:v1`)]);
    expect(run.code).toBe(0);
    const blobGets = (await source.accessLog()).slice(mark).filter((e) => e.method === 'GET' && e.uri.includes('/blobs/'));
    expect(blobGets.map((e) => e.uri.split('/blobs/')[1]).sort()).toEqual(blobsOf(image).map((b) => b.digest).sort());
    for (const target of targets) expect(sha256(await skopeoRawManifest(`${target.host}/promoted/app:v1`))).toBe(image.manifest.digest);
  });
});
