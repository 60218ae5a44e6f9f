import { describe, expect, it } from 'vitest';
import { isPushError } from '@hoist/core';
import { memoryImage } from '../memory-image.js';
import { pushTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

export function describeRefusalHint(world: () => EndToEnd): void {
  describe('refusal hint', () => {
    it('adds its word to the error when credentials the registry takes may not push', async (context) => {
      const e2e = world();
      if (!e2e.adapter.refusalHint) return context.skip();
      const readOnly = e2e.readOnly;
      expect(readOnly, 'the adapter declares refusalHint: give endToEnd a readOnly adapter, with credentials the registry takes that may not push').toBeDefined();
      const error = await pushTo(e2e, memoryImage(), 'conformance/read-only', { adapter: readOnly!, retries: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPushError(error), String(error)).toBe(true);
      if (!isPushError(error)) return;
      expect(['UNAUTHORIZED', 'DENIED']).toContain(error.code);
      const hint = readOnly!.refusalHint?.({ status: error.status ?? 0, repository: 'conformance/read-only', action: 'push', credentialsAccepted: true });
      expect(hint, 'refusalHint has nothing to say about credentials that may not push').toBeTruthy();
      expect(error.message).toContain(hint);
    });
  });
}
