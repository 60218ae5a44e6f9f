import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { memoryImage } from '../memory-image.js';
import { pushTo, requestsTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

const hostname = (host: string) => host.replace(/:\d+$/, '').toLowerCase();

export function describeApiHost(world: () => EndToEnd): void {
  describe('API host', () => {
    it("reaches the registry through the adapter's API host, never resolving the registry's own name", async (context) => {
      const e2e = world();
      const api = e2e.adapter.apiHost?.(e2e.registry);
      if (api === undefined) return context.skip();
      const asked: string[] = [];
      const lookup = e2e.pushOptions?.lookup;
      const recording = lookup
        ? (((name: string, options: unknown, callback: unknown) => {
            asked.push(name.toLowerCase());
            (lookup as (...args: unknown[]) => void)(name, options, callback);
          }) as LookupFunction)
        : undefined;
      const image = memoryImage();
      await pushTo(e2e, image, 'conformance/api-host', recording ? { lookup: recording } : {});
      expect(await e2e.readManifest('conformance/api-host', 'v1')).toEqual(image.manifestBytes);
      expect((await requestsTo(e2e, 'conformance/api-host')).filter((r) => r.method === 'PUT' && r.uri.endsWith('/manifests/v1')).map((r) => r.status)).toEqual([201]);
      if (recording && hostname(api) !== hostname(e2e.registry)) {
        expect(asked).toContain(hostname(api));
        expect(asked).not.toContain(hostname(e2e.registry));
      }
    });
  });
}
