import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * `hoist push` to quay.io as a pipeline does it: the robot's name and token from a credentials
 * binding, no flag. A real registry answers as quay.io (TLS for its name, token auth with the
 * realm on the same host), reached through --resolve; its token service grants acme+reader
 * pulls only, as Quay does for a robot without Write or for a repository that does not exist.
 */
const HOST = 'quay.io';
const ROBOTS = { 'acme+ci': 'ROBOTTOKENCI0123456789', 'acme+reader': 'ROBOTTOKENREADER0123456789' };
let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token', tls: true, dnsNames: [HOST], realmHost: HOST, users: ROBOTS, readOnlyUsers: ['acme+reader'] });
  layout = await tempDir();
  image = await makeImageLayout(layout, [16 * 1024]);
});
afterAll(async () => registry?.stop());

const push = (robot: keyof typeof ROBOTS, tag: string) => {
  const quay = `${HOST}:${registry.host.split(':')[1]}`;
  const env = { HOME: layout, DOCKER_CONFIG: layout, QUAY_HOST: quay, QUAY_ROBOT: robot, QUAY_ROBOT_TOKEN: ROBOTS[robot] };
  return runHoist(['push', layout, `${quay}/acme/app:${tag}`, '--resolve', `${HOST}:127.0.0.1`, '--ca-file', registry.caFile!], { env });
};

describe('Quay from a pipeline', () => {
  it('pushes as the robot QUAY_ROBOT names, and never prints its token', async () => {
    const pushed = await push('acme+ci', '1');
    expect(pushed.stderr).not.toContain('error');
    expect(pushed.code).toBe(0);
    expect(`${pushed.stdout}${pushed.stderr}`).not.toContain(ROBOTS['acme+ci']);
    expect(sha256(await registry.readManifest('acme/app', '1', 'acme+ci'))).toBe(image.manifest.digest);
  });

  it('says in one line what Quay means by "not authorized" for a robot that may not push, and moves no tag', async () => {
    const refused = await push('acme+reader', '2');
    expect(refused.code).toBe(1);
    // The checks before work read the robot's token: it grants pull only.
    const errors = refused.stderr.trim().split('\n').filter((line) => line.startsWith('hoist: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('checking access to acme/app failed: UNAUTHORIZED: the credentials of user "acme+reader" from QUAY_ROBOT and QUAY_ROBOT_TOKEN were accepted by');
    expect(errors[0]).toContain("Quay says so too when acme/app does not exist: create it (or give the robot's team the Creator role in acme), then give the robot Write on it");
    expect(refused.stderr).not.toContain(ROBOTS['acme+reader']);
    await expect(registry.readManifest('acme/app', '2', 'acme+ci')).rejects.toThrow();
  });
});
