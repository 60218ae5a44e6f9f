import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIndexLayout, sha256, skopeoRawManifest } from '@hoist/test-images';
import { startRedirectFront, startRegistry, type RedirectFront, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * `docker://` sources: promotion between two real registries, a copy within one (mounts, no
 * blob downloads), and blob downloads redirected to a CDN that must never see the registry's
 * Authorization.
 */
const PASSWORD = 'hoist-test-password';
const BASIC = `Basic ${Buffer.from(`hoist:${PASSWORD}`).toString('base64')}`;

let staging: TestRegistry;
let production: TestRegistry;
let front: RedirectFront;
let indexDigest: string;
let dockerConfig: Record<string, string>;

beforeAll(async () => {
  [staging, production] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry()]);
  front = await startRedirectFront(staging.host, BASIC);
  const layout = await tempDir();
  indexDigest = (await makeIndexLayout(layout, { nested: true })).index.digest;
  const dir = join(await tempDir(), '.docker');
  await mkdir(dir);
  const auth = Buffer.from(`hoist:${PASSWORD}`).toString('base64');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [staging.host]: { auth }, [front.host]: { auth } } }));
  dockerConfig = { DOCKER_CONFIG: dir };
  const seeded = await runHoist(['push', layout, `${staging.host}/team/app:rc1`], { env: dockerConfig });
  expect(seeded.code).toBe(0);
});
afterAll(async () => {
  await front?.close();
  await Promise.all([staging?.stop(), production?.stop()]);
});

describe('docker:// sources', () => {
  it('promotes an index from one registry to another, digests intact, each manifest fetched once', async () => {
    const mark = (await staging.accessLog()).length;
    const run = await runHoist(['push', `docker://${staging.host}/team/app:rc1`, `${production.host}/team/app:1.0`], { env: dockerConfig });
    expect(run.code).toBe(0);
    const manifestGets = (await staging.accessLog()).slice(mark).filter((e) => e.method === 'GET' && e.uri.includes('/manifests/') && e.status === 200);
    // The index by its tag, then the nested index and the two image manifests by digest.
    expect(manifestGets.map((e) => e.uri.split('/manifests/')[1]!.slice(0, 7))).toEqual(['rc1', 'sha256:', 'sha256:', 'sha256:']);
    expect(run.stdout).toContain(`digest: ${indexDigest}`);
    expect(sha256(await skopeoRawManifest(`${production.host}/team/app:1.0`))).toBe(indexDigest);
  });

  it('copies within one registry by mounting, downloading no blob', async () => {
    const mark = (await staging.accessLog()).length;
    const run = await runHoist(['push', `docker://${staging.host}/team/app:rc1`, `${staging.host}/release/app:1.0`], { env: dockerConfig });
    expect(run.code).toBe(0);
    const log = (await staging.accessLog()).slice(mark);
    expect(log.filter((e) => e.method === 'GET' && e.uri.includes('/blobs/'))).toEqual([]);
    const mounts = log.filter((e) => e.method === 'POST' && e.uri.includes('from=team%2Fapp'));
    expect(mounts.length).toBeGreaterThan(0);
    expect(mounts.every((e) => e.status === 201)).toBe(true);
    expect(sha256(await skopeoRawManifest(`${staging.host}/release/app:1.0`, { username: 'hoist', password: PASSWORD }))).toBe(indexDigest);
  });

  it('follows blob redirects to a CDN without the registry Authorization', async () => {
    const run = await runHoist(['push', `docker://${front.host}/team/app:rc1`, `${production.host}/cdn/app:1.0`], { env: dockerConfig });
    expect(run.code).toBe(0);
    expect(front.cdnRequests.length).toBeGreaterThan(0);
    expect(front.cdnRequests.filter((h) => h['authorization'] !== undefined)).toEqual([]);
    expect(sha256(await skopeoRawManifest(`${production.host}/cdn/app:1.0`))).toBe(indexDigest);
  });

  it('reaches the source registry through --resolve, as the destinations do', async () => {
    const port = production.host.split(':')[1]!;
    const seeded = await runHoist(['push', `docker://${staging.host}/team/app:rc1`, `${production.host}/resolve/app:1`], { env: dockerConfig });
    expect(seeded.code).toBe(0);
    const named = `registry.internal.example:${port}`;
    const run = await runHoist(['push', '-q', `docker://${named}/resolve/app:1`, `${production.host}/resolve/copy:1`, '--resolve', `registry.internal.example:127.0.0.1`, '--plain-http', named]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${indexDigest}\n`);
  });

  it('a tag the source lacks: exit 1, one line, nothing pushed', async () => {
    const run = await runHoist(['push', `docker://${staging.host}/team/app:nope`, `${production.host}/missing/app:1.0`], { env: dockerConfig });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('MANIFEST_UNKNOWN')]);
  });
});
