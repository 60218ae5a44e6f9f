import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/** `hoist login` then `hoist push` with no credential flags, then `hoist logout`, as a pipeline would. */
const PASSWORD = 'hoist-test-password';

let htpasswd: TestRegistry;
let token: TestRegistry;
let layout: string;

beforeAll(async () => {
  [htpasswd, token] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry({ auth: 'token', tls: true })]);
  layout = await tempDir();
  await makeImageLayout(layout, [8 * 1024]);
});
afterAll(async () => Promise.all([htpasswd?.stop(), token?.stop()]));

async function home(): Promise<Record<string, string>> {
  const dir = await tempDir();
  return { HOME: dir, DOCKER_CONFIG: join(dir, '.docker') };
}

describe('hoist login / logout', () => {
  it('login writes config.json (0600, no secret in output), push needs no flags, logout removes it', async () => {
    const env = await home();
    const login = await runHoist(['login', '-u', 'hoist', '--password-stdin', htpasswd.host], { stdin: PASSWORD, env });
    expect(login.code).toBe(0);
    expect(login.stdout + login.stderr).not.toContain(PASSWORD);
    const file = join(env['DOCKER_CONFIG']!, 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(stored.auths[htpasswd.host]!.auth, 'base64').toString()).toBe(`hoist:${PASSWORD}`);

    expect((await runHoist(['push', layout, `${htpasswd.host}/login/app:v1`], { env })).code).toBe(0);

    const logout = await runHoist(['logout', htpasswd.host], { env });
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain(`removed the credentials for ${htpasswd.host}`);
    const after = await runHoist(['push', layout, `${htpasswd.host}/login/app:v2`], { env });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('requires a username and password');
  });

  it('a wrong password fails the login and stores nothing', async () => {
    const env = await home();
    const login = await runHoist(['login', '--username-env', 'U', '--password-env', 'P', `https://${token.host}/`, '--ca-file', token.caFile!], {
      env: { ...env, U: 'hoist', P: 'wrong-password' },
    });
    expect(login.code).toBe(1);
    expect(login.stderr.trim().split('\n')).toEqual([`hoist: error: registry ${token.host} refused the credentials of user "hoist" from --password-env P at its token service ${token.tokenServer!.realm} (HTTP 401)`]);
    await expect(stat(join(env['DOCKER_CONFIG']!, 'config.json'))).rejects.toThrow();
  });

  it('with a credsStore configured, login stores in the helper and push reads it back', async () => {
    const env = await home();
    const bin = join(env['HOME']!, 'bin');
    await mkdir(bin);
    const vault = join(env['HOME']!, 'vault.json');
    // A helper keeping one credential in a file, speaking store/get/erase.
    await writeFile(
      join(bin, 'docker-credential-vault'),
      `#!/bin/sh\ncase "$1" in\n  store) cat > ${vault} ;;\n  get) read server; if [ -f ${vault} ]; then cat ${vault}; else echo "credentials not found"; exit 1; fi ;;\n  erase) rm -f ${vault} ;;\nesac\n`,
    );
    await chmod(join(bin, 'docker-credential-vault'), 0o755);
    await mkdir(env['DOCKER_CONFIG']!);
    await writeFile(join(env['DOCKER_CONFIG']!, 'config.json'), JSON.stringify({ credsStore: 'vault' }));
    const fullEnv = { ...env, PATH: `${bin}:${process.env['PATH']}` };
    const login = await runHoist(['login', '-u', 'hoist', '--password-stdin', htpasswd.host], { stdin: PASSWORD, env: fullEnv });
    expect(login.code).toBe(0);
    expect(JSON.parse(await readFile(vault, 'utf8'))).toEqual({ ServerURL: htpasswd.host, Username: 'hoist', Secret: PASSWORD });
    expect(JSON.parse(await readFile(join(env['DOCKER_CONFIG']!, 'config.json'), 'utf8'))).toEqual({ credsStore: 'vault' });
    expect((await runHoist(['push', layout, `${htpasswd.host}/vault/app:v1`], { env: fullEnv })).code).toBe(0);
    expect((await runHoist(['logout', htpasswd.host], { env: fullEnv })).code).toBe(0);
    await expect(stat(vault)).rejects.toThrow();
  });

  it('a credsStore helper that never returns is stopped by the time limit: exit 1 in seconds, one line', async () => {
    const env = await home();
    const bin = join(env['HOME']!, 'bin');
    await mkdir(bin);
    // A keychain waiting on a prompt no one will answer.
    await writeFile(join(bin, 'docker-credential-stuck'), '#!/bin/sh\nexec sleep 300\n');
    await chmod(join(bin, 'docker-credential-stuck'), 0o755);
    await mkdir(env['DOCKER_CONFIG']!);
    await writeFile(join(env['DOCKER_CONFIG']!, 'config.json'), JSON.stringify({ credsStore: 'stuck' }));
    const started = Date.now();
    const login = await runHoist(['login', '--timeout', '2s', '-u', 'hoist', '--password-stdin', htpasswd.host], { stdin: PASSWORD, env: { ...env, PATH: `${bin}:${process.env['PATH']}` } });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(login.code).toBe(1);
    expect(login.stderr.trim().split('\n')).toHaveLength(1);
    expect(login.stderr).toMatch(/^hoist: error: .*time limit/);
  }, 30_000);
});
