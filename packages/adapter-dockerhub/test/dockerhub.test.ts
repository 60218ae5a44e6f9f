import { describe, expect, it } from 'vitest';
import { parseReference } from '@hoist/core';
import { dockerHubAdapter, rateLimitInfo } from '../src/index.js';

describe('Docker Hub adapter', () => {
  it('treats every name of Hub as one registry served by registry-1.docker.io', () => {
    const hub = dockerHubAdapter();
    for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO']) expect(hub.matches(name)).toBe(true);
    expect(hub.matches('ghcr.io')).toBe(false);
    expect(hub.apiHost?.('docker.io')).toBe('registry-1.docker.io');
    expect(dockerHubAdapter({ apiHost: 'mirror.internal:5000' }).apiHost?.('docker.io')).toBe('mirror.internal:5000');
  });

  it('normalises short names the way docker does: alpine is docker.io/library/alpine', () => {
    expect(parseReference('alpine:3.20')).toEqual({ registry: 'docker.io', repository: 'library/alpine', tag: '3.20' });
    expect(parseReference('index.docker.io/team/app')).toEqual({ registry: 'docker.io', repository: 'team/app' });
  });

  it('reads the rate-limit headers and nothing else', () => {
    expect(rateLimitInfo({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'content-type': 'x', authorization: 'secret' })).toEqual({
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': '76;w=21600',
    });
    expect(rateLimitInfo({ 'content-type': 'x' })).toBeUndefined();
  });

  it('asks its credential source for docker.io, whatever name the image used', async () => {
    const asked: string[] = [];
    const hub = dockerHubAdapter({ credentials: { resolveCredentials: async (r) => (asked.push(r), { kind: 'basic', username: 'u', password: 'pat' }) } });
    expect(await hub.resolveCredentials('registry-1.docker.io', {})).toEqual({ kind: 'basic', username: 'u', password: 'pat' });
    expect(asked).toEqual(['docker.io']);
    expect(await dockerHubAdapter().resolveCredentials('docker.io', {})).toBeUndefined();
  });
});
