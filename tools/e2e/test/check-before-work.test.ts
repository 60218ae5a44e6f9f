import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, singleFileTar, writeLegacyArchive } from '@hoist/test-images';
import { startFakeEngine, startRegistry, startSilentListener, type FakeEngine, type TestRegistry } from '@hoist/test-registry';
import { expectFailedWithin, manifestStatus, runTimed, tempDir } from './helpers.js';

/**
 * Checks before work: the destinations are asked before the source is read. The source here is
 * a daemon whose export never ends (a fake Engine streaming zeros): a push that started reading it
 * would run into --timeout; one that checked first fails at once, in the words of the refusal, and
 * has not even made its scratch directory. The registries are real (distribution with htpasswd,
 * and with a token server that grants a read-only user `pull` where `pull,push` was asked).
 */
const PASSWORD = 'hoist-test-password';
const SOURCE = 'docker-daemon:team/huge:1.0';
let basic: TestRegistry;
let token: TestRegistry;
let engine: FakeEngine;

beforeAll(async () => {
  [basic, token, engine] = await Promise.all([
    startRegistry({ auth: 'htpasswd' }),
    startRegistry({ auth: 'token', users: { hoist: PASSWORD, reader: PASSWORD }, readOnlyUsers: ['reader'] }),
    startFakeEngine({ 'team/huge:1.0': { id: `sha256:${'7'.repeat(64)}`, hostile: { endless: 'zeros' } } }),
  ]);
});
afterAll(async () => Promise.all([basic?.stop(), token?.stop(), engine?.stop()]));

async function pushFromEndlessDaemon(destination: string, user: string, password: string): Promise<{ run: Awaited<ReturnType<typeof runTimed>>; scratch: string[] }> {
  const scratch = await tempDir('hoist-scratch-');
  const run = await runTimed(['push', SOURCE, destination, '--username', user, '--password-env', 'REGISTRY_PASSWORD', '--timeout', '60s'], 90_000, {
    env: { DOCKER_HOST: engine.host, TMPDIR: scratch, REGISTRY_PASSWORD: password },
  });
  return { run, scratch: await readdir(scratch) };
}

describe('checks before work', () => {
  it('a wrong password (Basic auth) fails before the daemon is asked for its export', async () => {
    const { run, scratch } = await pushFromEndlessDaemon(`${basic.host}/team/app:1.0`, 'hoist', 'wrong');
    expectFailedWithin(run, 10_000, new RegExp(`${basic.host} refused the credentials of user "hoist" from --password-env REGISTRY_PASSWORD \\(HTTP 401\\)$`));
    expect(run.stderr).not.toMatch(/time limit|sha256:e3b0/);
    expect(scratch).toEqual([]);
  });

  it('a wrong password at a token service fails the same way', async () => {
    const { run, scratch } = await pushFromEndlessDaemon(`${token.host}/team/app:1.0`, 'hoist', 'wrong');
    expectFailedWithin(run, 10_000, /refused the credentials of user "hoist" from --password-env REGISTRY_PASSWORD at its token service/);
    expect(scratch).toEqual([]);
  });

  it('a token that grants pull where a push needs pull,push is refused before any upload', async () => {
    const mark = (await token.accessLog()).length;
    const { run, scratch } = await pushFromEndlessDaemon(`${token.host}/team/app:1.0`, 'reader', PASSWORD);
    expectFailedWithin(run, 10_000, new RegExp(`checking access to team/app failed: UNAUTHORIZED: .*the credentials of user "reader" from --password-env REGISTRY_PASSWORD were accepted by ${token.host} but do not allow push to team/app \\(the token issued grants pull only\\)$`));
    expect(scratch).toEqual([]);
    expect((await token.accessLog()).slice(mark).filter((e) => e.method !== 'HEAD' && e.method !== 'GET')).toEqual([]);
    expect(await manifestStatus(token.url, 'team/app', '1.0', `Basic ${Buffer.from(`hoist:${PASSWORD}`).toString('base64')}`)).not.toBe(200);
  });

  it('a registry that is not running fails at once, with the question to ask', async () => {
    const { run, scratch } = await pushFromEndlessDaemon('127.0.0.1:1/team/app:1.0', 'hoist', PASSWORD);
    expectFailedWithin(run, 10_000, /connection refused \(ECONNREFUSED\); is the registry running at https:\/\/127\.0\.0\.1:1\?$/);
    expect(scratch).toEqual([]);
  });

  it('a file source is read as far as its documents, and no layer is compressed before a refusal', async () => {
    const archive = join(await tempDir(), 'app.tar');
    const layer = singleFileTar('data.bin', randomBytes(4 * 1024 * 1024));
    await writeLegacyArchive(archive, { config: { rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }, layers: [{ name: 'l1/layer.tar', content: layer }] });
    const mark = (await basic.accessLog()).length;
    const run = await runTimed(['push', archive, `${basic.host}/team/app:1.0`, '--username', 'hoist', '--password-env', 'REGISTRY_PASSWORD'], 60_000, { env: { REGISTRY_PASSWORD: 'wrong' } });
    expectFailedWithin(run, 10_000, /refused the credentials of user "hoist"/);
    expect(run.stderr).toMatch(/^pushing .*app\.tar \(1 layer, /);
    expect(run.stderr).not.toMatch(/compressed/);
    expect((await basic.accessLog()).slice(mark).filter((e) => e.method !== 'HEAD' && e.method !== 'GET')).toEqual([]);
  });

  it('in a plan, a daemon image is not exported for destinations that refuse it', async () => {
    const scratch = await tempDir('hoist-scratch-');
    const plan = join(await tempDir(), 'plan.json');
    await writeFile(plan, JSON.stringify({ images: [{ source: SOURCE, destinations: [`${basic.host}/team/planned:1.0`] }] }));
    const run = await runTimed(['push', '--plan', plan, '--username', 'hoist', '--password-env', 'REGISTRY_PASSWORD', '--timeout', '60s'], 90_000, {
      env: { DOCKER_HOST: engine.host, TMPDIR: scratch, REGISTRY_PASSWORD: 'wrong' },
    });
    expectFailedWithin(run, 10_000, new RegExp(`${SOURCE}: .*${basic.host} refused the credentials of user "hoist"`));
    expect(await readdir(scratch)).toEqual([]);
  });

  it('the first refusal ends the run: a second destination that hangs is given up at once, in either check', async () => {
    const silent = await startSilentListener();
    try {
      const layout = join(await tempDir(), 'layout');
      await makeImageLayout(layout, [1024]);
      for (const source of [`oci:${layout}`, SOURCE]) {
        const run = await runTimed(['push', source, `${silent.host}/team/a:1`, '127.0.0.1:1/team/b:1', '--json'], 60_000, { env: { DOCKER_HOST: engine.host } });
        expect(run.ms, source).toBeLessThan(5_000);
        expect(run.code, source).toBe(1);
        // The error is the last word: no retry of the other destination comes after it.
        const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { type: string; message: string };
        expect(last.type, source).toBe('error');
        expect(last.message, source).toMatch(/connection refused \(ECONNREFUSED\); is the registry running at https:\/\/127\.0\.0\.1:1\?$/);
      }
    } finally {
      await silent.close();
    }
  });
});
