import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { genericAdapter, helperCredential } from '../src/index.js';

/**
 * The credential chain against real files and a real helper executable speaking Docker's
 * credential-helper protocol: its answers come from a JSON file named by HELPER_ANSWERS.
 */
const HELPER = `#!/bin/sh
read server
case "$server" in
  slow.example) sleep 5 ;;
esac
answer=$(node -e 'const a=require(process.env.HELPER_ANSWERS); const s=process.argv[1]; if (a[s]) console.log(JSON.stringify(a[s])); else process.exit(1)' "$server")
if [ $? -ne 0 ]; then echo "credentials not found in native keychain"; exit 1; fi
echo "$answer"
`;

async function world(files: { config?: object; authJson?: object; answers?: Record<string, object> }) {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-creds-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'docker-credential-test'), HELPER);
  await chmod(join(bin, 'docker-credential-test'), 0o755);
  await writeFile(join(dir, 'answers.json'), JSON.stringify(files.answers ?? {}));
  const config = join(dir, 'config.json');
  if (files.config) await writeFile(config, JSON.stringify(files.config));
  const authJson = join(dir, 'auth.json');
  if (files.authJson) await writeFile(authJson, JSON.stringify(files.authJson));
  const env = { PATH: `${bin}:${process.env['PATH']}`, HELPER_ANSWERS: join(dir, 'answers.json'), REGISTRY_AUTH_FILE: authJson, HOME: dir };
  return { adapter: genericAdapter({ dockerConfig: config, env }), env };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credential sources', () => {
  it('asks the credHelpers helper for its host, with the host on stdin', async () => {
    const { adapter } = await world({ config: { credHelpers: { 'r.example': 'test' } }, answers: { 'r.example': { ServerURL: 'r.example', Username: 'ci', Secret: 's3cret' } } });
    expect(await adapter.resolveCredentials('r.example', {})).toEqual({ kind: 'basic', username: 'ci', password: 's3cret', source: 'docker-credential-test' });
  });

  it('treats the <token> username as an identity token, and falls back to credsStore', async () => {
    const { adapter } = await world({ config: { credsStore: 'test' }, answers: { 'q.example': { Username: '<token>', Secret: 'refresh-1' } } });
    expect(await adapter.resolveCredentials('q.example', {})).toEqual({ kind: 'identity-token', token: 'refresh-1', source: 'docker-credential-test' });
  });

  it('an auths entry comes before the helpers; a helper with nothing falls through to auth.json', async () => {
    const { adapter } = await world({
      config: { auths: { 'a.example': { auth: b64('from:auths') } }, credsStore: 'test' },
      authJson: { auths: { 'b.example/team': { auth: b64('from:authjson') } } },
      answers: { 'a.example': { Username: 'from', Secret: 'helper' } },
    });
    expect(await adapter.resolveCredentials('a.example', {})).toMatchObject({ kind: 'basic', username: 'from', password: 'auths', source: expect.stringMatching(/\/config\.json$/) });
    expect(await adapter.resolveCredentials('b.example', {})).toMatchObject({ kind: 'basic', username: 'from', password: 'authjson', source: expect.stringMatching(/\/auth\.json$/) });
    expect(await adapter.resolveCredentials('c.example', {})).toBeUndefined();
  });

  it('names a helper that is not installed', async () => {
    const { adapter } = await world({ config: { credHelpers: { 'r.example': 'absent' } } });
    await expect(adapter.resolveCredentials('r.example', {})).rejects.toThrow('credential helper docker-credential-absent not found on PATH');
  });

  it('gives up on a helper that hangs', async () => {
    const { env } = await world({});
    await expect(helperCredential('test', 'slow.example', 'slow.example', { env, timeoutMs: 300 })).rejects.toThrow('did not answer within 0.3 s');
  });

  it('stops waiting for a helper, and kills it, when the push is aborted', async () => {
    const { adapter } = await world({ config: { credsStore: 'test' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(adapter.resolveCredentials('slow.example', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
