import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, makeIndexLayout, skopeoRawManifest } from '@hoist/test-images';
import { startDockerDaemon, startRegistry, type TestDockerDaemon, type TestRegistry } from '@hoist/test-registry';
import { flipByte, HOIST_BIN, runHoist, tempDir } from './helpers.js';

/**
 * `docker-daemon:` as a pipeline uses it: a real dockerd of the test's own builds an image with a
 * RUN step, hoist pushes it from the daemon's export to a real registry, and the same daemon,
 * with its local copy removed, pulls it back and runs it.
 */
let daemon: TestDockerDaemon;
let registry: TestRegistry;

beforeAll(async () => {
  [daemon, registry] = await Promise.all([startDockerDaemon({ tls: true }), startRegistry()]);
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

  it('reads from a daemon on tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    await build('overtls:1', 'over-tls');
    const tcp = daemon.tcp!;
    const run = await hoist(['push', '-q', 'docker-daemon:overtls:1', `${registry.host}/team/overtls:1`], { DOCKER_HOST: tcp.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tcp.certPath });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Without DOCKER_TLS_VERIFY hoist speaks plain HTTP, which the daemon refuses: TLS is really in use.
    const refused = await hoist(['push', '-q', 'docker-daemon:overtls:1', `${registry.host}/team/overtls:2`], { DOCKER_HOST: tcp.host });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the daemon at ${tcp.host} answered 400: Client sent an HTTP request to an HTTPS server`);
  });

  it('says so when this user may not open the socket, exit 2', async () => {
    // The daemon's directory is root's own (0700): nobody cannot reach the socket inside it.
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, HOIST_BIN, 'push', 'docker-daemon:app:1', `${registry.host}/team/app:9`, '--no-cache'], { env: { PATH: process.env['PATH'], HOME: '/nonexistent', DOCKER_HOST: daemon.host } }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`hoist: error: permission denied on ${daemon.host}: run as a member of the docker group (or root), or set DOCKER_HOST to a socket this user may open\n`);
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

describe('docker-daemon: destination', () => {
  it('loads an image from a registry into the daemon, tagged, and it runs', async () => {
    await build('roundtrip:1', 'loaded-from-the-registry');
    expect((await hoist(['push', 'docker-daemon:roundtrip:1', `${registry.host}/team/roundtrip:1`])).code).toBe(0);
    await daemon.docker(['rmi', 'roundtrip:1']);

    const run = await hoist(['push', `docker://${registry.host}/team/roundtrip:1`, 'docker-daemon:pulled/roundtrip:2', '-t', 'stable']);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect((await daemon.docker(['images', '--format', '{{.Repository}}:{{.Tag}}', 'pulled/roundtrip'])).split('\n').filter(Boolean).sort()).toEqual(['pulled/roundtrip:2', 'pulled/roundtrip:stable']);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', 'pulled/roundtrip:stable'])).toBe('loaded-from-the-registry\n');
  });

  it('loads an OCI layout; the image ID is its config digest', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [16 * 1024]);
    const run = await hoist(['push', `oci:${dir}`, 'docker-daemon:layout/app']);
    expect(run.code).toBe(0);
    // The config's bytes are loaded as they are: the daemon names the image by their digest.
    expect((await daemon.docker(['inspect', '--format', '{{.Id}}', 'layout/app:latest'])).trim()).toBe(image.config.digest);
  });

  it("takes the daemon's own platform out of a multi-platform index", async () => {
    const dir = await tempDir();
    const { images } = await makeIndexLayout(dir, { nested: true });
    const run = await hoist(['push', `oci:${dir}`, 'docker-daemon:multi/app:1']);
    expect(run.code).toBe(0);
    const [amd64] = images; // makeIndexLayout writes linux/amd64 first, then linux/arm64 in a nested index
    expect((await daemon.docker(['inspect', '--format', '{{.Id}}', 'multi/app:1'])).trim()).toBe(amd64!.config.digest);
  });

  it('moves no tag anywhere when the push fails before the load', async () => {
    await build('failing:1', 'never-loaded');
    const run = await hoist(['push', 'docker-daemon:failing:1', '127.0.0.1:1/team/failing:1', 'docker-daemon:copied/failing:1', '--retries', '0']);
    expect(run.code).toBe(1);
    expect(await daemon.docker(['images', '-q', 'copied/failing'])).toBe('');
  });

  it('loads nothing when a blob does not match its digest, and says which', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [32 * 1024]);
    await flipByte(image.writer.blobPath(image.layers[0]!.digest), 100);
    const run = await hoist(['push', `oci:${dir}`, 'docker-daemon:corrupt/app:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`blob ${image.layers[0]!.digest.slice(7, 19)} is corrupt in the source`);
    expect(await daemon.docker(['images', '-q', 'corrupt/app'])).toBe('');
  });

  it('refuses a digest as a daemon tag, exit 2', async () => {
    const run = await hoist(['push', 'docker-daemon:app:1', `docker-daemon:app@sha256:${'a'.repeat(64)}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('docker load tags images, it cannot name them by digest');
  });
});
