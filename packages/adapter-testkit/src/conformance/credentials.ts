import { describe, expect, it } from 'vitest';
import { adapterContext, isPushError } from '@hoist/core';
import { memoryImage } from '../memory-image.js';
import { observed } from './observed.js';
import { pushTo, requestsTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

/** What the engine hands an adapter, made outside a push: the setup's TLS and name resolution. */
function contextFor(e2e: EndToEnd) {
  const options = e2e.pushOptions ?? {};
  return adapterContext({ ...(options.tls ? { tls: options.tls } : {}), ...(options.lookup ? { lookup: options.lookup } : {}) });
}

export function describeCredentials(world: () => EndToEnd): void {
  describe('credentials', () => {
    // Resolving credentials may call a cloud API: only against the setup's stand-ins.
    it('resolves credentials to a well-formed credential', async () => {
      const e2e = world();
      const context = contextFor(e2e);
      try {
        const credential = await e2e.adapter.resolveCredentials(e2e.registry, context);
        expect(credential).toBeDefined();
        if (credential?.kind === 'basic') expect(credential.password.length).toBeGreaterThan(0);
        else expect(credential?.token.length).toBeGreaterThan(0);
      } finally {
        await context.close();
      }
    });

    it('is asked for nothing once the push is aborted (core checks the signal around every adapter call)', async () => {
      const e2e = world();
      let asked = 0;
      const counted = observed(e2e.adapter, {
        resolveCredentials: (registry, context) => {
          asked++;
          return e2e.adapter.resolveCredentials(registry, context);
        },
      });
      const signal = AbortSignal.abort(new DOMException('push aborted', 'AbortError'));
      await expect(pushTo(e2e, memoryImage(), 'conformance/aborted', { adapter: counted, signal })).rejects.toBeDefined();
      expect(asked, 'resolveCredentials was called after the push was aborted').toBe(0);
    });

    it('is abandoned when the push is aborted while it resolves, and nothing is pushed after', async () => {
      const e2e = world();
      const controller = new AbortController();
      const reason = new DOMException('push aborted while credentials were resolved', 'AbortError');
      const aborting = observed(e2e.adapter, {
        resolveCredentials: (registry, context) => {
          controller.abort(reason);
          return e2e.adapter.resolveCredentials(registry, context);
        },
      });
      await expect(pushTo(e2e, memoryImage(), 'conformance/aborted-during', { adapter: aborting, signal: controller.signal })).rejects.toBe(reason);
      expect((await requestsTo(e2e, 'conformance/aborted-during')).filter((r) => r.method === 'PUT' || r.method === 'PATCH')).toEqual([]);
    });

    it('maps refused credentials to UNAUTHORIZED or DENIED, with no secret in the error', async () => {
      const e2e = world();
      const error = await pushTo(e2e, memoryImage(), 'conformance/refused', { adapter: e2e.refused.adapter, retries: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPushError(error), String(error)).toBe(true);
      expect(['UNAUTHORIZED', 'DENIED']).toContain((error as { code: string }).code);
      for (const text of [String(error), JSON.stringify(error), (error as Error).message]) expect(text).not.toContain(e2e.refused.secret);
    });
  });
}
