import { describe, expect, it } from 'vitest';
import type { Credential } from '@hoist/core';
import { ghcrAdapter } from '../src/index.js';

const fromDocker: Credential = { kind: 'basic', username: 'me', password: 'from-config-json', source: 'config.json' };
const fallback = { resolveCredentials: async () => fromDocker };
const resolve = (env: Record<string, string>) => ghcrAdapter({ env, fallback }).resolveCredentials('ghcr.io', {});

describe('ghcr credentials', () => {
  it("take a workflow's GITHUB_TOKEN as its actor's password, before GH_TOKEN", async () => {
    expect(await resolve({ GITHUB_TOKEN: 'ghs_w', GH_TOKEN: 'ghp_p', GITHUB_ACTOR: 'octocat', GITHUB_REPOSITORY_OWNER: 'octo-org' })).toEqual({ kind: 'basic', username: 'octocat', password: 'ghs_w', source: 'GITHUB_TOKEN' });
  });

  it("take GH_TOKEN with the repository's owner, or any name when there is no workflow", async () => {
    expect(await resolve({ GH_TOKEN: 'ghp_p', GITHUB_REPOSITORY_OWNER: 'octo-org' })).toMatchObject({ username: 'octo-org', password: 'ghp_p', source: 'GH_TOKEN' });
    expect(await resolve({ GH_TOKEN: 'ghp_p' })).toMatchObject({ username: 'x-access-token', password: 'ghp_p' });
  });

  it("fall back on Docker's chain without a token, an empty one included", async () => {
    expect(await resolve({})).toBe(fromDocker);
    expect(await resolve({ GITHUB_TOKEN: '', GITHUB_ACTOR: 'octocat' })).toBe(fromDocker);
  });

  it('send one PUT per blob, never a PATCH chunk over 4 MiB', () => {
    expect(ghcrAdapter().capabilities('ghcr.io')).toEqual({ upload: 'monolithic', maxChunkSize: 4 * 1024 * 1024, mount: true });
  });

  it('say, when a token ghcr.io took may not push, what the token needs', () => {
    const push = { status: 403, repository: 'octo-org/app', action: 'push' as const, credentialsAccepted: true };
    const hint = (env: Record<string, string>, refusal = push) => ghcrAdapter({ env }).refusalHint?.(refusal);
    expect(hint({ GITHUB_TOKEN: 'ghs_w', GH_TOKEN: 'ghp_p' })).toContain('`permissions: packages: write`');
    expect(hint({ GH_TOKEN: 'ghp_p' })).toBe('GH_TOKEN needs the write:packages scope');
    expect(hint({})).toBeUndefined();
    expect(hint({ GITHUB_TOKEN: 'ghs_w' }, { ...push, credentialsAccepted: false })).toBeUndefined();
  });
});
