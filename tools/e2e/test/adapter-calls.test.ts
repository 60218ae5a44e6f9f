import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES, isPushError, openOciLayout, openSource, parseReference, pushImage, type RegistryAdapter } from '@hoist/core';
import { makeImageLayout } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, tempDir } from './helpers.js';

/**
 * An adapter that forgets its abort signal (a cloud SDK's credential chain stuck on a metadata
 * endpoint) must not hold a push past its time limit or an interruption: core abandons the
 * call itself. Against a registry that demands credentials, so that the engine asks for them.
 */
let registry: TestRegistry;
let layout: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd' });
  layout = await tempDir();
  await makeImageLayout(layout, [8 * 1024]);
});
afterAll(async () => registry?.stop());

/** Claims the test registry and never answers for its credentials, whatever the signal says. */
function stuckAdapter(calls: { count: number }): RegistryAdapter {
  return {
    name: 'stuck',
    matches: (host) => host === registry.host,
    resolveCredentials: () => {
      calls.count++;
      return new Promise(() => {});
    },
    capabilities: () => DEFAULT_CAPABILITIES,
  };
}

describe('an adapter that ignores its abort signal', () => {
  it('holds a push no longer than its time limit: TIMEOUT, and no tag', async () => {
    const calls = { count: 0 };
    const started = Date.now();
    const pushed = pushImage({ source: await openOciLayout({ path: layout }), destinations: [parseReference(`${registry.host}/stuck/app:1`)], adapters: [stuckAdapter(calls)], timeoutMs: 1000 });
    const error = await pushed.catch((e: unknown) => e);
    expect(isPushError(error) && error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(calls.count).toBe(1);
    expect(await manifestStatus(registry.url, 'stuck/app', '1', `Basic ${Buffer.from('hoist:hoist-test-password').toString('base64')}`)).toBe(404);
  });

  it('is not asked at all once the push was interrupted, and a docker:// source stops with its signal too', async () => {
    const calls = { count: 0 };
    const interrupted = AbortSignal.abort(new Error('interrupted'));
    await expect(pushImage({ source: await openOciLayout({ path: layout }), destinations: [parseReference(`${registry.host}/stuck/app:2`)], adapters: [stuckAdapter(calls)], signal: interrupted })).rejects.toThrow();
    expect(calls.count).toBe(0);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted while reading the source')), 300);
    const started = Date.now();
    const opened = openSource(`docker://${registry.host}/stuck/app:1`, { adapters: [stuckAdapter(calls)] }, { signal: controller.signal });
    await expect(opened).rejects.toThrow(/interrupted while reading the source/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
