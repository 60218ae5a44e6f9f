import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skopeoRawManifest } from '@hoist/test-images';
import { startPodmanService, startRegistry, type TestPodmanService, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/** podman's Docker-compatible socket, named by DOCKER_HOST, read and loaded as dockerd's is. */
let podman: TestPodmanService;
let registry: TestRegistry;

beforeAll(async () => {
  [podman, registry] = await Promise.all([startPodmanService(), startRegistry()]);
}, 60_000);
afterAll(async () => Promise.all([podman?.stop(), registry?.stop()]));

describe('docker-daemon: through podman system service', () => {
  it('pushes what podman built, and loads it back under another name', async () => {
    const context = await tempDir('hoist-podman-build-');
    await copyFile('/bin/busybox', join(context, 'busybox'));
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo from-podman > /hello"]\n');
    await podman.podman(['build', '--network', 'none', '-q', '-t', 'pm/app:1', context]);
    const id = (await podman.podman(['image', 'inspect', '--format', '{{.Id}}', 'pm/app:1'])).trim();
    const env = { DOCKER_HOST: podman.host };

    const push = await runHoist(['push', 'docker-daemon:pm/app:1', `${registry.host}/pm/app:1`, '-q'], { env });
    expect(push.code).toBe(0);
    expect(JSON.parse((await skopeoRawManifest(`${registry.host}/pm/app:1`)).toString()).config.digest).toBe(`sha256:${id}`);

    const load = await runHoist(['push', `docker://${registry.host}/pm/app:1`, 'docker-daemon:pm/back:2'], { env });
    expect(load.code).toBe(0);
    expect((await podman.podman(['image', 'inspect', '--format', '{{.Id}}', 'pm/back:2'])).trim()).toBe(id);
  });
});
