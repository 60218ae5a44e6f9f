import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { memoryBlobLocations, openOciLayout, parseReference, pushImage, type PushEvent } from '@hoist/core';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { seededRandom, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { tempDir } from './helpers.js';

/**
 * A short soak for CI: 30 pushes through a proxy that faults about one request in ten (a 503 or
 * a reset, chosen by a seeded generator so a failure can be replayed). Every push must land,
 * and so must 10 pushes of a bigger image to that proxy and a clean registry at once, their
 * reads shared (a layer above the read-ahead window, faults cutting one registry's uploads).
 */
const PUSHES = 30;
const SHARED_PUSHES = 10;
const SEED = 20261126;

let registry: TestRegistry;
let clean: TestRegistry;
let proxy: FaultProxy;
const images: { dir: string; image: WrittenImage }[] = [];
let big: { dir: string; image: WrittenImage };

beforeAll(async () => {
  [registry, clean] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy(registry.host, { random: seededRandom(SEED) });
  for (let i = 0; i < 3; i++) {
    const dir = await tempDir();
    images.push({ dir, image: await makeImageLayout(dir, [40 * 1024, 8 * 1024]) });
  }
  const dir = await tempDir();
  big = { dir, image: await makeImageLayout(dir, [12 * 1024 * 1024, 40 * 1024]) };
  proxy.addRule({ times: Infinity, probability: 0.05, action: { type: 'status', status: 503 } });
  proxy.addRule({ times: Infinity, probability: 0.05, action: { type: 'reset' } });
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all([registry?.stop(), clean?.stop()]);
});

describe('soak', () => {
  it(`${PUSHES} pushes with faults on ~10% of requests all land with the right digest`, async () => {
    let retries = 0;
    for (let i = 0; i < PUSHES; i++) {
      const { dir, image } = images[i % images.length]!;
      const result = await pushImage({
        source: await openOciLayout({ path: dir }),
        destinations: [parseReference(`${proxy.host}/soak/app${i}:v1`)],
        adapters: [genericAdapter({ dockerConfig: '/nonexistent' })],
        blobLocations: memoryBlobLocations(),
        retryPolicy: { baseDelayMs: 20 },
        onEvent: (e: PushEvent) => {
          if (e.type === 'retry') retries++;
        },
      });
      expect(result.digest).toBe(image.manifest.digest);
      expect(sha256(await skopeoRawManifest(`${registry.host}/soak/app${i}:v1`))).toBe(image.manifest.digest);
    }
    // A DELETE of an abandoned upload session is best effort: its failure is not retried.
    const faults = proxy.log.filter((r) => r.fault !== 'none' && r.method !== 'DELETE').length;
    expect(faults).toBeGreaterThan(PUSHES / 3);
    // Every other injected fault cost exactly one retry: none was swallowed, none retried twice.
    expect(retries).toBe(faults);
  });

  it(`${SHARED_PUSHES} pushes to the faulting proxy and a clean registry at once all land in both`, async () => {
    const mark = proxy.log.length;
    let retries = 0;
    for (let i = 0; i < SHARED_PUSHES; i++) {
      const result = await pushImage({
        source: await openOciLayout({ path: big.dir }),
        destinations: [parseReference(`${proxy.host}/shared/app${i}:v1`), parseReference(`${clean.host}/shared/app${i}:v1`)],
        adapters: [genericAdapter({ dockerConfig: '/nonexistent' })],
        blobLocations: memoryBlobLocations(),
        retryPolicy: { baseDelayMs: 20 },
        onEvent: (e: PushEvent) => {
          if (e.type === 'retry') retries++;
        },
      });
      expect(result.digest).toBe(big.image.manifest.digest);
      for (const host of [registry.host, clean.host]) {
        expect(sha256(await skopeoRawManifest(`${host}/shared/app${i}:v1`))).toBe(big.image.manifest.digest);
      }
    }
    const faults = proxy.log.slice(mark).filter((r) => r.fault !== 'none' && r.method !== 'DELETE').length;
    expect(faults).toBeGreaterThan(0);
    expect(retries).toBe(faults);
  });
});
