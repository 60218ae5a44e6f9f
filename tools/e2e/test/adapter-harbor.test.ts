import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * `hoist push` to a Harbor as a Jenkins job does it: HARBOR_HOST in the environment block, the
 * project robot's name without its `robot$` and its secret from a credentials binding, no flag.
 * A real registry answers as the Harbor (TLS for its name, token auth), reached through --resolve.
 */
const HOST = 'harbor.example.com';
const ROBOT = 'robot$ci+push';
let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token', tls: true, dnsNames: [HOST], realmHost: HOST, users: { [ROBOT]: 'robot-secret-value' } });
  layout = await tempDir();
  image = await makeImageLayout(layout, [16 * 1024]);
});
afterAll(async () => registry?.stop());

describe('Harbor from a Jenkins job', () => {
  it('pushes as the project robot named in HARBOR_ROBOT, and never prints its secret', async () => {
    const harbor = `${HOST}:${registry.host.split(':')[1]}`;
    const env = { HOME: layout, DOCKER_CONFIG: layout, HARBOR_HOST: harbor, HARBOR_ROBOT: 'ci+push', HARBOR_ROBOT_SECRET: 'robot-secret-value' };
    const pushed = await runHoist(['push', layout, `${harbor}/ci/app:1`, '--resolve', `${HOST}:127.0.0.1`, '--ca-file', registry.caFile!], { env });
    expect(pushed.stderr).not.toContain('error');
    expect(pushed.code).toBe(0);
    expect(`${pushed.stdout}${pushed.stderr}`).not.toContain('robot-secret-value');
    expect(sha256(await registry.readManifest('ci/app', '1', ROBOT))).toBe(image.manifest.digest);
  });
});
