import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skopeoRawManifest } from '@hoist/test-images';
import { startDockerDaemon, startRegistry, type TestDockerDaemon, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * `docker-daemon:` as a pipeline uses it: a real dockerd of the test's own builds an image with a
 * RUN step, hoist pushes it from the daemon's export to a real registry, and the same daemon,
 * with its local copy removed, pulls it back and runs it.
 */
let daemon: TestDockerDaemon;
let registry: TestRegistry;

beforeAll(async () => {
  [daemon, registry] = await Promise.all([startDockerDaemon(), startRegistry()]);
}, 60_000);
afterAll(async () => Promise.all([daemon?.stop(), registry?.stop()]));

/** FROM scratch, a static busybox (a 2 MiB layer, compressed as it streams) and a RUN step. */
async function build(tag: string, message: string): Promise<void> {
  const context = await tempDir('hoist-build-');
  await copyFile('/bin/busybox', join(context, 'busybox'));
  await writeFile(
    join(context, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      `RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && echo ${message} > /hello.txt"]`,
      'CMD ["/bin/cat", "/hello.txt"]',
    ].join('\n'),
  );
  await daemon.docker(['build', '-q', '-t', tag, context]);
}

const hoist = (args: string[], env: Record<string, string> = {}) => runHoist(args, { env: { DOCKER_HOST: daemon.host, ...env } });

describe('docker-daemon: source', () => {
  it('pushes what docker build made; docker pulls it back and runs it', async () => {
    await build('app:1', 'built-by-run');
    const dir = await tempDir();
    const digestFile = join(dir, 'digest');
    const run = await hoist(['push', 'docker-daemon:app:1', `${registry.host}/team/app:1`, '--digest-file', digestFile]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const digest = (await readFile(digestFile, 'utf8')).trim();

    const manifest = JSON.parse((await skopeoRawManifest(`${registry.host}/team/app:1`)).toString()) as { layers: { mediaType: string }[] };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);

    await daemon.docker(['rmi', 'app:1']);
    const pulled = `${registry.host}/team/app:1`;
    await daemon.docker(['pull', '-q', pulled]);
    expect(await daemon.docker(['inspect', '--format', '{{index .RepoDigests 0}}', pulled])).toBe(`${registry.host}/team/app@${digest}\n`);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', pulled])).toBe('built-by-run\n');
  });

  it('pushes by image ID and by the name docker gave it, to the same digest', async () => {
    await build('byid:1', 'by-id');
    const id = (await daemon.docker(['inspect', '--format', '{{.Id}}', 'byid:1'])).trim();
    const byId = await hoist(['push', '-q', `docker-daemon:${id}`, `${registry.host}/team/byid:a`]);
    const byName = await hoist(['push', '-q', 'docker-daemon:docker.io/library/byid:1', `${registry.host}/team/byid:b`]);
    expect([byId.code, byName.code]).toEqual([0, 0]);
    expect(byId.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    expect(byName.stdout).toBe(byId.stdout);
  });

  it('names the missing image and the daemon it asked, exit 2', async () => {
    const run = await hoist(['push', 'docker-daemon:nope:1', `${registry.host}/team/nope:1`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`hoist: error: docker-daemon:nope:1: no such image in the Docker daemon at ${daemon.host} (docker images lists what it holds)\n`);
  });

  it('says which socket it tried and what to set when no daemon is there, exit 2', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'run'));
    const socket = join(dir, 'run', 'docker.sock');
    const run = await hoist(['push', 'docker-daemon:app:1', `${registry.host}/team/app:2`], { DOCKER_HOST: `unix://${socket}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`hoist: error: no Docker daemon at unix://${socket} (no such socket): start dockerd, or set DOCKER_HOST to its socket (podman: unix:///run/podman/podman.sock)\n`);
  });
});
