import { describe, expect, it } from 'vitest';
import { memoryImage } from '../memory-image.js';
import { observed } from './observed.js';
import { pushTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

export function describeCreateRepository(world: () => EndToEnd): void {
  describe('repository creation', () => {
    it('creates a repository the registry does not know, once, and the push lands', async (context) => {
      const e2e = world();
      const create = e2e.adapter.createRepository;
      if (!create) return context.skip();
      const repository = e2e.missingRepository;
      expect(repository, 'the adapter declares createRepository: give endToEnd a missingRepository the registry answers NAME_UNKNOWN for until it is created').toBeDefined();
      const created: string[] = [];
      const counted = observed(e2e.adapter, {
        createRepository: (registry, name, credentialContext) => {
          created.push(name);
          return create.call(e2e.adapter, registry, name, credentialContext);
        },
      });
      const image = memoryImage();
      expect((await pushTo(e2e, image, repository!, { adapter: counted })).digest).toBe(image.root.digest);
      expect(created).toEqual([repository]);
      expect(await e2e.readManifest(repository!, 'v1')).toEqual(image.manifestBytes);
    });
  });
}
