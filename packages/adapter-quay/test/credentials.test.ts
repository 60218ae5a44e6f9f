import { describe, expect, it } from 'vitest';
import type { Credential } from '@hoist/core';
import { pushRefusalHint, quayAdapter, robotName } from '../src/index.js';

const fromDocker: Credential = { kind: 'basic', username: 'me', password: 'from-config-json', source: 'config.json' };
const fallback = { resolveCredentials: async () => fromDocker };
const resolve = (env: Record<string, string>) => quayAdapter({ env, fallback }).resolveCredentials('quay.io', {});

describe('quay', () => {
  it('owns quay.io and the hosts QUAY_HOST names', () => {
    const adapter = quayAdapter({ env: { QUAY_HOST: ' Quay.Corp.Example , registry.corp:5000 ' } });
    expect(['quay.io', 'QUAY.IO', 'quay.corp.example', 'registry.corp:5000'].map((h) => adapter.matches(h))).toEqual([true, true, true, true]);
    expect(['registry.corp', 'cdn.quay.io'].map((h) => adapter.matches(h))).toEqual([false, false]);
  });

  it('takes a robot first, then an OAuth token as $oauthtoken, then a user, then Docker\'s chain', async () => {
    const all = { QUAY_ROBOT: 'acme+ci', QUAY_ROBOT_TOKEN: 't1', QUAY_OAUTH_TOKEN: 'o1', QUAY_USERNAME: 'me', QUAY_PASSWORD: 'p1' };
    expect(await resolve(all)).toEqual({ kind: 'basic', username: 'acme+ci', password: 't1', source: 'QUAY_ROBOT and QUAY_ROBOT_TOKEN' });
    expect(await resolve({ QUAY_OAUTH_TOKEN: 'o1', QUAY_USERNAME: 'me', QUAY_PASSWORD: 'p1' })).toEqual({ kind: 'basic', username: '$oauthtoken', password: 'o1', source: 'QUAY_OAUTH_TOKEN' });
    expect(await resolve({ QUAY_USERNAME: 'me', QUAY_PASSWORD: 'p1' })).toMatchObject({ username: 'me', password: 'p1' });
    expect(await resolve({})).toBe(fromDocker);
  });

  it('refuses half a robot and a robot named without its organization, in one line with no secret', async () => {
    await expect(resolve({ QUAY_ROBOT: 'acme+ci' })).rejects.toMatchObject({ code: 'USAGE', message: 'QUAY_ROBOT_TOKEN is not set, but QUAY_ROBOT is: set both, or neither' });
    await expect(resolve({ QUAY_ROBOT_TOKEN: 'secret-token' })).rejects.toMatchObject({ code: 'USAGE', message: 'QUAY_ROBOT is not set, but QUAY_ROBOT_TOKEN is: set both, or neither' });
    await expect(resolve({ QUAY_ROBOT: 'ci', QUAY_ROBOT_TOKEN: 'secret-token' })).rejects.toMatchObject({ code: 'USAGE', message: 'QUAY_ROBOT is "ci": give the robot\'s full name, ORGANIZATION+NAME, as Quay shows it (acme+ci)' });
    expect(robotName('acme+ci')).toBe('acme+ci');
  });

  it('explains only a 401 to a push whose credentials Quay took', () => {
    const push = { status: 401, repository: 'acme/app', action: 'push' as const, credentialsAccepted: true };
    expect(pushRefusalHint(push)).toBe("Quay says so too when acme/app does not exist: create it (or give the robot's team the Creator role in acme), then give the robot Write on it");
    expect(pushRefusalHint({ ...push, credentialsAccepted: false })).toBeUndefined();
    expect(pushRefusalHint({ ...push, action: 'pull' })).toBeUndefined();
    expect(pushRefusalHint({ ...push, status: 403 })).toBeUndefined();
  });
});
