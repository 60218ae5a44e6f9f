import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { linesBesideStart, manifestStatus, runHoist, tempDir, type HoistRun } from './helpers.js';

/** `hoist push` with each kind of registry authentication, over plain HTTP and TLS. */
const PASSWORD = 'hoist-test-password';
const IDENTITY_TOKEN = 'identity-token-for-hoist-0123456789';
const READER_PASSWORD = 'reader-password-pull-only';

let htpasswd: TestRegistry;
let token: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  [htpasswd, token] = await Promise.all([
    startRegistry({ auth: 'htpasswd' }),
    startRegistry({ auth: 'token', tls: true, refreshTokens: { [IDENTITY_TOKEN]: 'hoist' }, users: { hoist: PASSWORD, reader: READER_PASSWORD }, readOnlyUsers: ['reader'] }),
  ]);
  layout = await tempDir();
  image = await makeImageLayout(layout, [48 * 1024, 8 * 1024]);
});
afterAll(async () => Promise.all([htpasswd?.stop(), token?.stop()]));

/** One clear line on stderr (beside the push's start line), no stack trace, no secret. */
function expectOneLineFailure(run: HoistRun, text: string): void {
  const lines = linesBesideStart(run.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(text);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

function expectNoSecret(run: HoistRun, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

async function dockerConfigWith(auths: Record<string, Record<string, string>>): Promise<Record<string, string>> {
  const dir = join(await tempDir(), '.docker');
  await mkdir(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
  return { DOCKER_CONFIG: dir };
}

const BASIC = `Basic ${Buffer.from(`hoist:${PASSWORD}`).toString('base64')}`;

describe('hoist push with htpasswd (basic) auth', () => {
  it('pushes with --username and --password-stdin, printing the digest and no secret', async () => {
    const run = await runHoist(['push', layout, `${htpasswd.host}/basic/app:v1`, '-u', 'hoist', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`digest: ${image.manifest.digest}`);
    expectNoSecret(run, PASSWORD);
    const raw = await skopeoRawManifest(`${htpasswd.host}/basic/app:v1`, { username: 'hoist', password: PASSWORD });
    expect(sha256(raw)).toBe(image.manifest.digest);
  });

  it('pushes with credentials from docker config.json and no flags', async () => {
    const env = await dockerConfigWith({ [`http://${htpasswd.host}`]: { auth: Buffer.from(`hoist:${PASSWORD}`).toString('base64') } });
    const run = await runHoist(['push', layout, `${htpasswd.host}/config/app:v1`], { env });
    expect(run.code).toBe(0);
    expect(await manifestStatus(htpasswd.url, 'config/app', 'v1', BASIC)).toBe(200);
  });

  it('fails a wrong password with exit 1, one line, and no tag', async () => {
    const run = await runHoist(['push', layout, `${htpasswd.host}/wrong/app:v1`, '-u', 'hoist', '--password-stdin'], { stdin: 'not-the-password\n' });
    expect(run.code).toBe(1);
    expectOneLineFailure(run, `UNAUTHORIZED: ${htpasswd.host} refused the credentials of user "hoist" from --password-stdin (HTTP 401)`);
    expectNoSecret(run, 'not-the-password');
    expect(await manifestStatus(htpasswd.url, 'wrong/app', 'v1', BASIC)).toBe(404);
  });

  it('fails without credentials, saying that the registry wants them', async () => {
    const run = await runHoist(['push', layout, `${htpasswd.host}/anon/app:v1`]);
    expect(run.code).toBe(1);
    expectOneLineFailure(run, `registry ${htpasswd.host} requires a username and password, and none were found for it: run hoist login ${htpasswd.host}, or pass --username with --password-env VAR`);
  });

  it('names the config.json a refused password came from', async () => {
    const env = await dockerConfigWith({ [htpasswd.host]: { auth: Buffer.from('hoist:stale-password').toString('base64') } });
    const run = await runHoist(['push', layout, `${htpasswd.host}/stale/app:v1`], { env });
    expect(run.code).toBe(1);
    expectOneLineFailure(run, `refused the credentials of user "hoist" from ${join(env['DOCKER_CONFIG']!, 'config.json')}`);
  });
});

describe('hoist push with credentials where CI keeps them', () => {
  it('--username-env and --password-env, as Jenkins withCredentials sets them', async () => {
    const run = await runHoist(['push', layout, `${htpasswd.host}/env/app:v1`, '--username-env', 'REG_USER', '--password-env', 'REG_PASS'], {
      env: { REG_USER: 'hoist', REG_PASS: PASSWORD },
    });
    expect(run.code).toBe(0);
    expectNoSecret(run, PASSWORD);
    expect(await manifestStatus(htpasswd.url, 'env/app', 'v1', BASIC)).toBe(200);
  });

  it('a credential helper named in credHelpers, found on PATH', async () => {
    const bin = join(await tempDir(), 'bin');
    await mkdir(bin);
    const helper = join(bin, 'docker-credential-e2e');
    await writeFile(helper, `#!/bin/sh\nread server\necho '{"ServerURL":"'$server'","Username":"hoist","Secret":"${PASSWORD}"}'\n`);
    await chmod(helper, 0o755);
    const env = await dockerConfigWith({});
    await writeFile(join(env['DOCKER_CONFIG']!, 'config.json'), JSON.stringify({ credHelpers: { [htpasswd.host]: 'e2e' } }));
    const run = await runHoist(['push', layout, `${htpasswd.host}/helper/app:v1`], { env: { ...env, PATH: `${bin}:${process.env['PATH']}` } });
    expect(run.code).toBe(0);
    expectNoSecret(run, PASSWORD);
    expect(await manifestStatus(htpasswd.url, 'helper/app', 'v1', BASIC)).toBe(200);
  });

  it('containers auth.json named by REGISTRY_AUTH_FILE', async () => {
    const file = join(await tempDir(), 'auth.json');
    await writeFile(file, JSON.stringify({ auths: { [htpasswd.host]: { auth: Buffer.from(`hoist:${PASSWORD}`).toString('base64') } } }));
    const run = await runHoist(['push', layout, `${htpasswd.host}/authjson/app:v1`], { env: { REGISTRY_AUTH_FILE: file } });
    expect(run.code).toBe(0);
    expect(await manifestStatus(htpasswd.url, 'authjson/app', 'v1', BASIC)).toBe(200);
  });

  it('a helper that is not installed is named in one line', async () => {
    const env = await dockerConfigWith({});
    await writeFile(join(env['DOCKER_CONFIG']!, 'config.json'), JSON.stringify({ credsStore: 'nowhere' }));
    const run = await runHoist(['push', layout, `${htpasswd.host}/nohelper/app:v1`], { env });
    expect(run.code).toBe(2);
    expectOneLineFailure(run, 'credential helper docker-credential-nowhere not found on PATH');
  });
});

describe('hoist push with token auth over TLS with a private CA', () => {
  it('fetches a token with the password and pushes', async () => {
    const before = token.tokenServer!.requests.length;
    const run = await runHoist(['push', layout, `${token.host}/token/app:v1`, '-u', 'hoist', '--password-stdin', '--ca-file', token.caFile!], {
      stdin: PASSWORD,
    });
    expect(run.code).toBe(0);
    expectNoSecret(run, PASSWORD);
    const requests = token.tokenServer!.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.grant === 'basic' && r.granted && r.scopes.includes('repository:token/app:pull,push'))).toBe(true);
    const raw = await skopeoRawManifest(`${token.host}/token/app:v1`, { caFile: token.caFile!, username: 'hoist', password: PASSWORD });
    expect(sha256(raw)).toBe(image.manifest.digest);
  });

  it('exchanges an identity token from config.json with the refresh-token grant', async () => {
    const env = await dockerConfigWith({ [token.host]: { identitytoken: IDENTITY_TOKEN } });
    const before = token.tokenServer!.requests.length;
    const run = await runHoist(['push', layout, `${token.host}/identity/app:v1`, '--ca-file', token.caFile!, '--json'], { env });
    expect(run.code).toBe(0);
    expectNoSecret(run, IDENTITY_TOKEN);
    const requests = token.tokenServer!.requests.slice(before);
    expect(requests.map((r) => r.grant)).toContain('refresh_token');
    expect(requests.every((r) => r.granted)).toBe(true);
  });

  it('is refused by the token service with a wrong password: exit 1, no tag', async () => {
    const run = await runHoist(['push', layout, `${token.host}/token/app:wrong`, '-u', 'hoist', '--password-stdin', '--ca-file', token.caFile!], {
      stdin: 'bad-password',
    });
    expect(run.code).toBe(1);
    expectOneLineFailure(run, `registry ${token.host} refused the credentials of user "hoist" from --password-stdin at its token service https://`);
    const raw = await skopeoRawManifest(`${token.host}/token/app:wrong`, { caFile: token.caFile!, username: 'hoist', password: PASSWORD }).catch((e: Error) => e);
    expect(raw).toBeInstanceOf(Error);
  });

  it('says when accepted credentials do not allow a push: a pull-only user', async () => {
    const run = await runHoist(['push', layout, `${token.host}/team/app:v1`, '-u', 'reader', '--password-env', 'READ_PASS', '--ca-file', token.caFile!], {
      env: { READ_PASS: READER_PASSWORD },
    });
    expect(run.code).toBe(1);
    // Found by the checks before work, from the token's grant, right after the start line: nothing was compressed or sent.
    expect(run.stderr.trim().split('\n').slice(1)).toEqual([
      `hoist: error: checking access to team/app failed: UNAUTHORIZED: the credentials of user "reader" from --password-env READ_PASS were accepted by ${token.host} but do not allow push to team/app (the token issued grants pull only)`,
    ]);
    expectNoSecret(run, READER_PASSWORD);
  });

  it('says when a token registry wants credentials and none were found', async () => {
    const run = await runHoist(['push', layout, `${token.host}/team/app:anon`, '--ca-file', token.caFile!]);
    expect(run.code).toBe(1);
    expectOneLineFailure(run, `${token.host} wants credentials for push to team/app and none were found for it: run hoist login ${token.host}, or pass --username with --password-env VAR`);
  });

  it('fails TLS without the CA, pointing at --ca-file', async () => {
    const run = await runHoist(['push', layout, `${token.host}/token/app:noca`, '-u', 'hoist', '--password-stdin'], { stdin: PASSWORD });
    expect(run.code).toBe(1);
    expectOneLineFailure(run, '--ca-file');
  });
});

describe('hoist push --adapter', () => {
  it('pushes with the credentials of an adapter module the user brings', async () => {
    const module = join(await tempDir(), 'corp-adapter.mjs');
    // An in-house adapter as a team would write it: owns its host, reads its secret from the environment.
    await writeFile(
      module,
      `export default () => ({
        name: 'corp',
        matches: (registry) => registry === ${JSON.stringify(htpasswd.host)},
        capabilities: () => ({ upload: 'chunked', chunkSize: 16384, mount: false }),
        resolveCredentials: async () => ({ kind: 'basic', username: 'hoist', password: process.env.CORP_REGISTRY_PASSWORD }),
      });\n`,
    );
    const destination = `${htpasswd.host}/custom/app:v1`;
    const without = await runHoist(['push', layout, destination], { env: { CORP_REGISTRY_PASSWORD: PASSWORD } });
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('requires a username and password');

    const run = await runHoist(['push', '--adapter', module, layout, destination], { env: { CORP_REGISTRY_PASSWORD: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    expectNoSecret(run, PASSWORD);
    const raw = await skopeoRawManifest(destination, { username: 'hoist', password: PASSWORD });
    expect(sha256(raw)).toBe(image.manifest.digest);
  });

  it('refuses a module that is not an adapter with one line and exit 2', async () => {
    const module = join(await tempDir(), 'not-an-adapter.mjs');
    await writeFile(module, 'export default 42;\n');
    const run = await runHoist(['push', '--adapter', module, layout, `${htpasswd.host}/custom/app:v2`]);
    expect(run.code).toBe(2);
    expectOneLineFailure(run, 'must export by default a registry adapter');
  });
});
