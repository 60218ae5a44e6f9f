import { describe, expect, it } from 'vitest';
import { adapterContext, isPushError, memoryBlobLocations, parseReference, pushImage, type PushOptions, type RegistryAdapter } from '@hoist/core';
import { memoryImage } from './memory-image.js';

/**
 * The conformance kit for registry adapters, ours and contributors'. Call it from a vitest file
 * with a setup; the end-to-end groups push through the real engine to a registry the setup
 * starts (configured to demand this adapter's auth) and check the result with a reader
 * independent of hoist. Groups are switched off only for what the setup does not provide.
 */
export interface EndToEnd {
  /** A registry name the adapter owns and the engine can reach (apiHost, lookup, tls as needed). */
  registry: string;
  /** The adapter under test, configured with credentials this registry accepts. */
  adapter: RegistryAdapter;
  /** Extra engine options: tls, lookup, plainHttpHosts. */
  pushOptions?: Partial<Omit<PushOptions, 'adapters' | 'source' | 'destinations'>>;
  /** Reads the manifest bytes at `repository:tag` without hoist (skopeo, curl, an SDK). */
  readManifest(repository: string, tag: string): Promise<Buffer>;
  /** The same adapter holding credentials the registry refuses, and the secret in them. */
  refused: { adapter: RegistryAdapter; secret: string };
  close(): Promise<void>;
}

export interface ConformanceSetup {
  adapter: RegistryAdapter;
  /** Registry names the adapter must claim. */
  ownedHosts: string[];
  /** Registry names it must leave to other adapters. */
  foreignHosts: string[];
  /** A catch-all adapter (the generic one) claims every host, look-alikes included. */
  catchAll?: boolean;
  endToEnd?: () => Promise<EndToEnd>;
}

/** Names made to pass a careless suffix or prefix match for `host`: never the adapter's. */
export function lookAlikes(host: string): string[] {
  return [`${host}.evil.test`, `${host}-evil.test`, `${host}evil.test`, `evil.test/${host}`];
}

const UPLOADS = new Set(['monolithic', 'chunked']);

/** What the engine hands an adapter, made outside a push: the setup's TLS and name resolution. */
function contextFor(e2e: EndToEnd) {
  const options = e2e.pushOptions ?? {};
  return adapterContext({ ...(options.tls ? { tls: options.tls } : {}), ...(options.lookup ? { lookup: options.lookup } : {}) });
}

export function describeAdapterConformance(name: string, setup: ConformanceSetup): void {
  describe(`${name} adapter conformance`, () => {
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

    const endToEnd = setup.endToEnd;
    if (!endToEnd) return;

    // Resolving credentials may call a cloud API: only against the setup's stand-ins.
    it('resolves credentials to a well-formed credential', async () => {
      const e2e = await endToEnd();
      const context = contextFor(e2e);
      try {
        const credential = await e2e.adapter.resolveCredentials(e2e.registry, context);
        expect(credential).toBeDefined();
        if (credential?.kind === 'basic') expect(credential.password.length).toBeGreaterThan(0);
        else expect(credential?.token.length).toBeGreaterThan(0);
      } finally {
        await context.close();
        await e2e.close();
      }
    });

    it('is asked for nothing once the push is aborted (core checks the signal around every adapter call)', async () => {
      const e2e = await endToEnd();
      let asked = 0;
      const counted: RegistryAdapter = {
        ...e2e.adapter,
        resolveCredentials: (registry, context) => {
          asked++;
          return e2e.adapter.resolveCredentials(registry, context);
        },
      };
      try {
        const pushed = pushImage({
          ...e2e.pushOptions,
          source: memoryImage(),
          destinations: [parseReference(`${e2e.registry}/conformance/aborted:v1`)],
          adapters: [counted],
          blobLocations: memoryBlobLocations(),
          signal: AbortSignal.abort(new DOMException('push aborted', 'AbortError')),
        });
        await expect(pushed).rejects.toBeDefined();
        expect(asked, 'resolveCredentials was called after the push was aborted').toBe(0);
      } finally {
        await e2e.close();
      }
    });

    it('pushes an image end to end that an independent reader finds byte for byte', async () => {
      const e2e = await endToEnd();
      try {
        const image = memoryImage();
        const result = await pushImage({
          ...e2e.pushOptions,
          source: image,
          destinations: [parseReference(`${e2e.registry}/conformance/app:v1`)],
          adapters: [e2e.adapter],
          blobLocations: memoryBlobLocations(),
        });
        expect(result.digest).toBe(image.root.digest);
        expect(await e2e.readManifest('conformance/app', 'v1')).toEqual(image.manifestBytes);
      } finally {
        await e2e.close();
      }
    });

    it('maps refused credentials to UNAUTHORIZED or DENIED, with no secret in the error', async () => {
      const e2e = await endToEnd();
      try {
        const error = await pushImage({
          ...e2e.pushOptions,
          source: memoryImage(),
          destinations: [parseReference(`${e2e.registry}/conformance/refused:v1`)],
          adapters: [e2e.refused.adapter],
          blobLocations: memoryBlobLocations(),
          retryPolicy: { retries: 0 },
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPushError(error), String(error)).toBe(true);
        expect(['UNAUTHORIZED', 'DENIED']).toContain((error as { code: string }).code);
        for (const text of [String(error), JSON.stringify(error), (error as Error).message]) expect(text).not.toContain(e2e.refused.secret);
      } finally {
        await e2e.close();
      }
    });
  });
}

export { memoryImage } from './memory-image.js';
