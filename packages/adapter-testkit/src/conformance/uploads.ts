import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE } from '@hoist/core';
import { memoryImage } from '../memory-image.js';
import { pushTo, requestsTo, uploadSessions } from './push-to.js';
import type { EndToEnd } from './setup.js';

export function describeUploads(world: () => EndToEnd): void {
  describe('uploads', () => {
    it('sends each blob as the adapter declares (one PUT, or PATCHes of its chunk size) and it lands whole', async () => {
      const e2e = world();
      const declared = e2e.adapter.capabilities(e2e.registry);
      const chunk = Math.min(declared.chunkSize ?? DEFAULT_CHUNK_SIZE, declared.maxChunkSize ?? Infinity);
      // Two full chunks and a half one; sent monolithically, it is larger than any chunk limit.
      const layerSize = Math.floor(2.5 * chunk);
      const image = memoryImage({ layerSize });
      await pushTo(e2e, image, 'conformance/uploads');
      expect(await e2e.readManifest('conformance/uploads', 'v1')).toEqual(image.manifestBytes);

      // One session per blob, the layer's and the config's, each closed by a PUT the registry took.
      const sessions = uploadSessions(await requestsTo(e2e, 'conformance/uploads'));
      expect(sessions.map((requests) => requests.filter((r) => r.method === 'PUT' && r.status === 201).length)).toEqual([1, 1]);
      const patches = sessions.map((requests) => requests.filter((r) => r.method === 'PATCH'));
      expect(patches.flat().filter((r) => r.status !== 202)).toEqual([]);
      const counts = patches.map((p) => p.length).sort((a, b) => a - b);
      expect(counts).toEqual(declared.upload === 'chunked' ? [1, Math.ceil(layerSize / chunk)] : [0, 0]);
    });
  });
}
