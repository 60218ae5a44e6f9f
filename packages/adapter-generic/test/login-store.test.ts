import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eraseLogin, readDockerConfigCredential, storeLogin } from '../src/index.js';

describe('storing logins in config.json', () => {
  it('keeps other settings, files Docker Hub under its v1 key, and erases every variant', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'hoist-login-')), 'config.json');
    await writeFile(file, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: 'b2xkOm9sZA==' }, 'other.example': { auth: 'eDp5' } }, psFormat: 'table' }));
    expect(await storeLogin(file, 'docker.io', 'me', 'pat-123')).toBe('file');
    const stored = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, unknown>; psFormat: string };
    expect(Object.keys(stored.auths).sort()).toEqual(['https://index.docker.io/v1/', 'other.example']);
    expect(stored.psFormat).toBe('table');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readDockerConfigCredential('docker.io', file)).toEqual({ kind: 'basic', username: 'me', password: 'pat-123', source: file });
    expect(await eraseLogin(file, 'docker.io')).toBe(true);
    expect(await readDockerConfigCredential('docker.io', file)).toBeUndefined();
    expect(await eraseLogin(file, 'docker.io')).toBe(false);
    expect(await readDockerConfigCredential('other.example', file)).toEqual({ kind: 'basic', username: 'x', password: 'y', source: file });
  });
});
