import { describe, expect, it } from 'vitest';
import { memoryBlobLocations } from '@hoist/core';
import { memoryImage } from '../memory-image.js';
import { pushTo, requestsTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

export function describeMounts(world: () => EndToEnd): void {
  describe('cross-repository mounts', () => {
    it('mounts blobs it pushed to another repository when it declares mounts, and tries none when not', async () => {
      const e2e = world();
      const image = memoryImage();
      const blobLocations = memoryBlobLocations();
      await pushTo(e2e, image, 'conformance/mount-from', { blobLocations });
      await pushTo(e2e, image, 'conformance/mount-to', { blobLocations });
      expect(await e2e.readManifest('conformance/mount-to', 'v1')).toEqual(image.manifestBytes);

      const requests = await requestsTo(e2e, 'conformance/mount-to');
      const mounts = requests.filter((r) => r.method === 'POST' && r.uri.includes('mount='));
      const uploads = requests.filter((r) => r.method === 'PUT' && r.uri.includes('/blobs/uploads/'));
      if (e2e.adapter.capabilities(e2e.registry).mount) {
        // The layer and the config, both mounted: no byte of either went up again.
        expect(mounts.map((r) => r.status)).toEqual([201, 201]);
        expect(uploads).toEqual([]);
      } else {
        expect(mounts).toEqual([]);
        expect(uploads.map((r) => r.status)).toEqual([201, 201]);
      }
    });
  });
}
