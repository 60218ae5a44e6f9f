import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * A registry that quotes the Authorization header it was sent back in its error message: every
 * credential hoist holds is masked in every form, whichever source it came from (issue 13, 15).
 */
const PASSWORD = 'hoist-test-password';
let basic: TestRegistry;
let token: TestRegistry;
let basicProxy: FaultProxy;
let tokenProxy: FaultProxy;
let layout: string;

beforeAll(async () => {
  [basic, token] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry({ auth: 'token' })]);
  [basicProxy, tokenProxy] = await Promise.all([startFaultProxy(basic.host), startFaultProxy(token.host)]);
  for (const proxy of [basicProxy, tokenProxy]) proxy.addRule({ method: 'POST', times: Infinity, action: { type: 'echo-authorization', status: 403 } });
  layout = await tempDir();
  await makeImageLayout(layout, [4 * 1024]);
});
afterAll(async () => {
  await Promise.all([basicProxy?.close(), tokenProxy?.close()]);
  await Promise.all([basic?.stop(), token?.stop()]);
});

/** A docker config.json holding the password for these hosts: credentials hoist was not handed by flag. */
async function dockerConfig(hosts: string[]): Promise<Record<string, string>> {
  const dir = join(await tempDir(), '.docker');
  await mkdir(dir);
  const auth = Buffer.from(`hoist:${PASSWORD}`).toString('base64');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: Object.fromEntries(hosts.map((h) => [h, { auth }])) }));
  return { DOCKER_CONFIG: dir };
}

describe('credentials echoed by a registry', () => {
  it.each([['plain'], ['--json']])('are masked from config.json, as Basic and as password (%s)', async (mode) => {
    const env = await dockerConfig([basicProxy.host]);
    const run = await runHoist(['push', layout, `${basicProxy.host}/team/app:1`, ...(mode === '--json' ? ['--json'] : [])], { env });
    expect(run.code).toBe(1);
    const printed = run.stdout + run.stderr;
    expect(printed).toContain('refused the request you signed with Basic ***');
    expect(printed).not.toContain(Buffer.from(`hoist:${PASSWORD}`).toString('base64'));
    expect(printed).not.toContain(PASSWORD);
  });

  it('are masked as the bearer token the token service issued', async () => {
    const env = await dockerConfig([tokenProxy.host]);
    const run = await runHoist(['push', layout, `${tokenProxy.host}/team/app:1`], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refused the request you signed with Bearer ***');
    expect(run.stderr).not.toMatch(/Bearer [A-Za-z0-9_-]{20,}/);
  });
});
