import { describe, expect, it } from 'vitest';
import type { PushEvent } from '@hoist/core';
import { memoryImage } from '../memory-image.js';
import { pushTo } from './push-to.js';
import type { EndToEnd } from './setup.js';

export function describeResponseInfo(world: () => EndToEnd): void {
  describe('response info', () => {
    it("reports what it reads in the registry's answers once, as a registry-info event", async (context) => {
      const e2e = world();
      const read = e2e.adapter.responseInfo;
      if (!read) return context.skip();
      const headers = e2e.responseHeaders;
      expect(headers, 'the adapter declares responseInfo: give endToEnd the responseHeaders its registry sends').toBeDefined();
      // As the engine's HTTP client hands them over: names in lower case.
      const expected = read.call(e2e.adapter, Object.fromEntries(Object.entries(headers!).map(([name, value]) => [name.toLowerCase(), value])));
      expect(Object.keys(expected ?? {}), 'responseInfo finds nothing in the headers the service sends').not.toEqual([]);
      const events: PushEvent[] = [];
      await pushTo(e2e, memoryImage(), 'conformance/response-info', { events });
      expect(events.filter((e) => e.type === 'registry-info')).toEqual([{ type: 'registry-info', registry: e2e.registry, info: expected }]);
    });
  });
}
