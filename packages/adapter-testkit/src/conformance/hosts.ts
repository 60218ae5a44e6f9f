import { expect, it } from 'vitest';
import type { ConformanceSetup } from './setup.js';

/** Names made to pass a careless suffix or prefix match for `host`: never the adapter's. */
export function lookAlikes(host: string): string[] {
  return [`${host}.evil.test`, `${host}-evil.test`, `${host}evil.test`, `evil.test/${host}`];
}

const UPLOADS = new Set(['monolithic', 'chunked']);

/** What needs no registry: which hosts the adapter claims, and that its declarations hang together. */
export function describeHosts(setup: ConformanceSetup): void {
  it('claims its hosts and no others', () => {
    for (const host of setup.ownedHosts) expect(setup.adapter.matches(host), host).toBe(true);
    for (const host of setup.foreignHosts) expect(setup.adapter.matches(host), host).toBe(false);
  });

  if (!setup.catchAll) {
    it('leaves look-alikes of its hosts alone', () => {
      for (const host of setup.ownedHosts.flatMap(lookAlikes)) expect(setup.adapter.matches(host), host).toBe(false);
    });
  }

  it('declares consistent capabilities for every host it owns', () => {
    for (const host of setup.ownedHosts) {
      const c = setup.adapter.capabilities(host);
      expect(UPLOADS.has(c.upload)).toBe(true);
      expect(typeof c.mount).toBe('boolean');
      if (c.chunkSize !== undefined) expect(c.chunkSize).toBeGreaterThan(0);
      if (c.chunkSize !== undefined && c.maxChunkSize !== undefined) expect(c.chunkSize).toBeLessThanOrEqual(c.maxChunkSize);
      if (c.maxConcurrency !== undefined) expect(c.maxConcurrency).toBeGreaterThanOrEqual(1);
      const api = setup.adapter.apiHost?.(host);
      if (api !== undefined) expect(api).toMatch(/^[a-z0-9.-]+(:\d+)?$/i);
    }
  });
}
