import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { genericAdapter, readDockerConfigCredential, registryOfKey } from '../src/index.js';

async function configFile(content: unknown): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'hoist-docker-config-')), 'config.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('docker config.json credentials', () => {
  it.each([
    ['reg.example:5000', 'reg.example:5000'],
    ['https://reg.example:5000', 'reg.example:5000'],
    ['https://Reg.Example/v1/', 'reg.example'],
    ['http://reg.example/v2/', 'reg.example'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
  ])('key %s names %s', (key, registry) => expect(registryOfKey(key)).toBe(registry));

  it('decodes auth, keeping colons inside the password', async () => {
    const file = await configFile({ auths: { 'https://reg.example/v1/': { auth: b64('ci:pa:ss') } } });
    expect(await readDockerConfigCredential('reg.example', file)).toEqual({ kind: 'basic', username: 'ci', password: 'pa:ss', source: file });
  });

  it('prefers an identity token, and reads username/password fields', async () => {
    const file = await configFile({ auths: { 'a.example': { auth: b64('x:y'), identitytoken: 'refresh-123' }, 'b.example': { username: 'u', password: 'p' } } });
    expect(await readDockerConfigCredential('a.example', file)).toEqual({ kind: 'identity-token', token: 'refresh-123', source: file });
    expect(await readDockerConfigCredential('b.example', file)).toEqual({ kind: 'basic', username: 'u', password: 'p', source: file });
    expect(await readDockerConfigCredential('c.example', file)).toBeUndefined();
  });

  it('treats a missing file as no credentials', async () => {
    expect(await readDockerConfigCredential('a.example', '/nonexistent/config.json')).toBeUndefined();
  });

  it('names a broken file without quoting its secrets', async () => {
    const file = await configFile('{"auths": {"a.example": {"auth": "c2VjcmV0LXZhbHVl"');
    const error = await readDockerConfigCredential('a.example', file).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'USAGE', message: `${file} is not valid JSON` });
    expect(String(error)).not.toContain('c2VjcmV0');
  });

  it('gives explicit credentials only to the registries they were given for', async () => {
    const file = await configFile({ auths: { 'other.example': { auth: b64('cfg:secret') } } });
    const adapter = genericAdapter({ explicit: { registries: ['reg.example'], username: 'me', password: 'pw' }, dockerConfig: file });
    expect(await adapter.resolveCredentials('reg.example', {})).toEqual({ kind: 'basic', username: 'me', password: 'pw', source: 'the caller' });
    expect(await adapter.resolveCredentials('other.example', {})).toEqual({ kind: 'basic', username: 'cfg', password: 'secret', source: file });
    expect(adapter.capabilities('reg.example')).toEqual({ upload: 'monolithic', mount: true });
    expect(adapter.matches('anything.example')).toBe(true);
  });
});
