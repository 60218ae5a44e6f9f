import { describe, expect, it } from 'vitest';
import type { Credential } from '@hoist/core';
import { harborAdapter, robotName } from '../src/index.js';

const fromDocker: Credential = { kind: 'basic', username: 'me', password: 'from-config-json', source: 'config.json' };
const fallback = { resolveCredentials: async () => fromDocker };
const resolve = (env: Record<string, string>) => harborAdapter({ env, fallback }).resolveCredentials('harbor.example.com', {});

describe('harbor', () => {
  it('owns only the hosts HARBOR_HOST names, and none without it', () => {
    const adapter = harborAdapter({ env: { HARBOR_HOST: ' harbor.example.com , Registry.Corp:5000 ' } });
    expect(['harbor.example.com', 'registry.corp:5000', 'REGISTRY.CORP:5000'].map((h) => adapter.matches(h))).toEqual([true, true, true]);
    expect(adapter.matches('registry.corp')).toBe(false);
    expect(harborAdapter({ env: {} }).matches('harbor.example.com')).toBe(false);
  });

  it('names a robot in full whether or not its robot$ prefix was written', () => {
    expect(robotName('ci+push')).toBe('robot$ci+push');
    expect(robotName('robot$ci+push')).toBe('robot$ci+push');
    expect(robotName('nightly')).toBe('robot$nightly');
  });

  it("takes a robot first, then a user, then Docker's chain", async () => {
    expect(await resolve({ HARBOR_ROBOT: 'ci+push', HARBOR_ROBOT_SECRET: 's1', HARBOR_USERNAME: 'admin', HARBOR_PASSWORD: 'p' })).toEqual({ kind: 'basic', username: 'robot$ci+push', password: 's1', source: 'HARBOR_ROBOT and HARBOR_ROBOT_SECRET' });
    expect(await resolve({ HARBOR_ROBOT: 'ci+push', HARBOR_USERNAME: 'admin', HARBOR_PASSWORD: 'p' })).toMatchObject({ username: 'admin', password: 'p' });
    expect(await resolve({})).toBe(fromDocker);
  });
});
