import { describe, expect, it } from 'vitest';
import type { Credential } from '@hoist/core';
import { harborAdapter, robotHint, robotName } from '../src/index.js';

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

  it("says a project robot's refused push belongs under its project, or wants the push permission there", () => {
    const push = { status: 401, repository: 'web/app', action: 'push' as const, credentialsAccepted: true };
    expect(robotHint(push, 'robot$ci+push')).toBe('robot$ci+push is a robot of project ci: it pushes only under ci/');
    expect(robotHint({ ...push, repository: 'ci/app' }, 'robot$ci+push')).toBe('give robot$ci+push the push permission in project ci');
    expect(robotHint(push, 'robot$nightly')).toBe('give robot$nightly the push permission');
    expect(robotHint({ ...push, credentialsAccepted: false }, 'robot$ci+push')).toBeUndefined();
    expect(harborAdapter({ env: {} }).refusalHint?.(push)).toBeUndefined();
  });
});
