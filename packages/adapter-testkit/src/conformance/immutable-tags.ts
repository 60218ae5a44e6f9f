import { describe, expect, it } from 'vitest';
import { isPushError, type PushEvent } from '@hoist/core';
import { memoryImage } from '../memory-image.js';
import { pushTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

export function describeImmutableTags(world: () => EndToEnd): void {
  describe('immutable tags', () => {
    it('keeps a tag the registry will not move: the same push again passes, another image fails TAG_IMMUTABLE', async (context) => {
      const e2e = world();
      if (!e2e.adapter.isImmutableTagRefusal) return context.skip();
      const repository = e2e.immutableRepository;
      expect(repository, 'the adapter declares isImmutableTagRefusal: give endToEnd an immutableRepository whose tag v1 the registry refuses to move').toBeDefined();
      const first = memoryImage();
      await pushTo(e2e, first, repository!);

      const events: PushEvent[] = [];
      expect((await pushTo(e2e, first, repository!, { events })).digest).toBe(first.root.digest);
      expect(events).toContainEqual(expect.objectContaining({ type: 'tag-kept', digest: first.root.digest, reference: 'v1' }));

      const error = await pushTo(e2e, memoryImage(), repository!).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPushError(error) && error.code, String(error)).toBe('TAG_IMMUTABLE');
      expect(await e2e.readManifest(repository!, 'v1')).toEqual(first.manifestBytes);
    });
  });
}
