import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { memoryBlobLocations, openOciLayout, parseReference, pushImage, type BlobLocations } from '@hoist/core';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { tempDir } from './helpers.js';

/**
 * Token services are rate-limited (Docker Hub's counts every request): a push asks for each
 * token once, however many requests need it at the same moment.
 */
const PASSWORD = 'hoist-test-password';

let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token' });
  layout = await tempDir();
  image = await makeImageLayout(layout, [40 * 1024, 30 * 1024, 20 * 1024, 10 * 1024, 5 * 1024]);
});
afterAll(async () => registry?.stop());

async function push(repository: string, locations: BlobLocations) {
  return pushImage({
    source: await openOciLayout({ path: layout }),
    destinations: [parseReference(`${registry.host}/${repository}:v1`)],
    adapters: [genericAdapter({ explicit: { registries: [registry.host], username: 'hoist', password: PASSWORD }, dockerConfig: '/nonexistent' })],
    blobLocations: locations,
  });
}

describe('token fetches', () => {
  it('blobs mounted together from another repository share one token for the two scopes', async () => {
    const locations = memoryBlobLocations();
    await push('tokens/first', locations);
    const before = registry.tokenServer!.requests.length;
    const result = await push('tokens/second', locations);

    expect(result.destinations[0]).toMatchObject({ blobsMounted: 6, blobsUploaded: 0 });
    const scopes = registry.tokenServer!.requests.slice(before).map((r) => r.scopes.join(' '));
    expect(scopes.sort()).toEqual(['repository:tokens/second:pull,push', 'repository:tokens/second:pull,push repository:tokens/first:pull']);
    expect(sha256(await skopeoRawManifest(`${registry.host}/tokens/second:v1`, { username: 'hoist', password: PASSWORD }))).toBe(image.manifest.digest);
  });
});
