import { execFile } from 'node:child_process';
import { chmod, copyFile, cp, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skopeoRawManifest } from '@hoist/test-images';
import { startDockerDaemon, startFaultProxy, startRegistry, type TestDockerDaemon, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, runHoist, tempDir } from './helpers.js';

/**
 * `hoist build` as a pipeline without a Docker daemon uses it: a base made from this machine's
 * busybox-static (pushed to the registry first), an application directory added as a layer, the
 * result pulled and run by a real dockerd, read back by umoci, and built again to the same digest.
 */
const run = promisify(execFile);
const HAS_ZSTD = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';
let registry: TestRegistry;
let daemon: TestDockerDaemon;
let rootfs: string;
let app: string;
let baseLayer: string;

interface Manifest {
  layers: { mediaType: string; digest: string }[];
  config: { digest: string };
  annotations?: Record<string, string>;
  manifests?: { digest: string; platform: { architecture: string } }[];
}

async function manifestOf(reference: string): Promise<Manifest> {
  return JSON.parse((await skopeoRawManifest(reference)).toString()) as Manifest;
}

/** The application a pipeline has ready on the agent: a script, data, an executable bit. */
async function writeApp(dir: string, greeting: string): Promise<void> {
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'run.sh'), `#!/bin/sh\necho "${greeting} from $GREETING in $(pwd)"\ncat /srv/app/lib/data.txt\n`);
  await chmod(join(dir, 'run.sh'), 0o755);
  await writeFile(join(dir, 'lib', 'data.txt'), 'data the layer carries\n');
  await writeFile(join(dir, 'debug.log'), 'left out by --exclude\n');
}

beforeAll(async () => {
  [registry, daemon] = await Promise.all([startRegistry(), startDockerDaemon()]);
  rootfs = await tempDir('hoist-rootfs-');
  await mkdir(join(rootfs, 'bin'));
  await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const tool of ['sh', 'cat', 'echo', 'pwd']) await symlink('busybox', join(rootfs, 'bin', tool));
  app = await tempDir('hoist-app-');
  await writeApp(app, 'hello');
  const base = await runHoist(['build', '--from', 'scratch', '--add', `${rootfs}:/`, '--env', 'PATH=/bin', `${registry.host}/build/base:1`]);
  expect(base.stderr).not.toContain('error');
  expect(base.code).toBe(0);
  baseLayer = (await manifestOf(`${registry.host}/build/base:1`)).layers[0]!.digest;
}, 60_000);
afterAll(async () => Promise.all([daemon?.stop(), registry?.stop()]));

const appArgs = () => ['--add', `${app}:/srv/app`, '--exclude', '*.log', '--entrypoint', '/srv/app/run.sh', '--env', 'GREETING=hoist', '--workdir', '/srv/app'];

describe('hoist build', () => {
  it('adds a layer to a base in the registry: docker pulls and runs it, and no base layer was uploaded again', async () => {
    const mark = (await registry.accessLog()).length;
    const dir = await tempDir();
    const built = await runHoist(['build', '--from', `${registry.host}/build/base:1`, ...appArgs(), `${registry.host}/build/app:1`, '--digest-file', join(dir, 'digest')]);
    expect(built.stderr).not.toContain('error');
    expect(built.code).toBe(0);
    const digest = (await readFile(join(dir, 'digest'), 'utf8')).trim();

    const log = (await registry.accessLog()).slice(mark);
    expect(log.some((e) => e.method === 'POST' && e.uri.includes(`mount=${encodeURIComponent(baseLayer)}`) && e.status === 201)).toBe(true);
    expect(log.filter((e) => e.method === 'PUT' && e.uri.includes(`digest=${encodeURIComponent(baseLayer)}`))).toEqual([]);
    expect(log.filter((e) => e.method === 'GET' && e.uri.includes(`/blobs/${baseLayer}`))).toEqual([]);

    const manifest = await manifestOf(`${registry.host}/build/app:1`);
    expect(manifest.layers).toHaveLength(2);
    expect(manifest.layers[0]!.digest).toBe(baseLayer);
    expect(manifest.annotations).toMatchObject({ 'org.opencontainers.image.base.name': `${registry.host}/build/base:1` });

    const image = `${registry.host}/build/app:1`;
    await daemon.docker(['pull', '-q', image]);
    expect(await daemon.docker(['inspect', '--format', '{{index .RepoDigests 0}}', image])).toBe(`${registry.host}/build/app@${digest}\n`);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', image])).toBe('hello from hoist in /srv/app\ndata the layer carries\n');
  });

  it('to another registry, streams the base layer from registry to registry; a second build of the same files finds its manifest there and touches no blob', async () => {
    const other = await startRegistry();
    try {
      const mark = (await registry.accessLog()).length;
      const first = await runHoist(['build', '--from', `${registry.host}/build/base:1`, ...appArgs(), `${other.host}/elsewhere/app:1`]);
      expect(first.code).toBe(0);
      expect((await registry.accessLog()).slice(mark).filter((e) => e.method === 'GET' && e.uri.endsWith(`/blobs/${baseLayer}`))).toHaveLength(1);
      const received = await other.accessLog();
      expect(received.filter((e) => e.method === 'PUT' && e.uri.includes(`digest=${encodeURIComponent(baseLayer)}`))).toHaveLength(1);

      const again = await runHoist(['build', '--from', `${registry.host}/build/base:1`, ...appArgs(), `${other.host}/elsewhere/app:2`]);
      expect(again.code).toBe(0);
      const after = (await other.accessLog()).slice(received.length);
      // The same files give the same manifest, which the registry holds: nothing below it is asked for.
      expect(after.filter((e) => e.uri.includes(baseLayer))).toEqual([]);
      expect(after.filter((e) => e.method === 'PUT' && e.uri.includes('/blobs/'))).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it('loads straight into a Docker daemon, and writes an OCI layout umoci unpacks to the files, modes, owners and times given', async () => {
    const loaded = await runHoist(['build', '--from', `${registry.host}/build/base:1`, ...appArgs(), 'docker-daemon:built:1'], { env: { DOCKER_HOST: daemon.host } });
    expect(loaded.code).toBe(0);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', 'built:1'])).toBe('hello from hoist in /srv/app\ndata the layer carries\n');

    const layout = await tempDir();
    const written = await runHoist(['build', '--from', `${registry.host}/build/base:1`, ...appArgs(), `oci:${layout}:v1`], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(written.code).toBe(0);
    const bundle = join(await tempDir(), 'bundle');
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
    const script = await stat(join(bundle, 'rootfs', 'srv', 'app', 'run.sh'));
    const data = await stat(join(bundle, 'rootfs', 'srv', 'app', 'lib', 'data.txt'));
    expect(script.mode & 0o777).toBe(0o755);
    expect(data.mode & 0o777).toBe(0o644);
    expect(script.mtimeMs / 1000).toBe(1_700_000_000);
    await expect(stat(join(bundle, 'rootfs', 'srv', 'app', 'debug.log'))).rejects.toThrow('ENOENT');
    // Owners as recorded in the layer (umoci unpacks rootless, so read the tar itself).
    const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')).manifests[0].digest.slice(7)), 'utf8')) as Manifest;
    const listing = (await run('tar', ['tzvf', join(layout, 'blobs', 'sha256', manifest.layers[1]!.digest.slice(7))])).stdout;
    expect(listing.trim().split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(['drwxr-xr-x 0/0', 'drwxr-xr-x 0/0', 'drwxr-xr-x 0/0', '-rw-r--r-- 0/0', '-rwxr-xr-x 0/0']);
    const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; cwd: string; env: string[] } };
    expect(config.process).toMatchObject({ args: ['/srv/app/run.sh'], cwd: '/srv/app' });
    expect(config.process.env).toContain('GREETING=hoist');
  });

  it("builds on an image in the Docker daemon, whose uncompressed layers are gzip'd on the way", async () => {
    const env = { DOCKER_HOST: daemon.host };
    expect((await runHoist(['push', `docker://${registry.host}/build/base:1`, 'docker-daemon:daemon-base:1'], { env })).code).toBe(0);
    const built = await runHoist(['build', '--json', '--from', 'docker-daemon:daemon-base:1', ...appArgs(), `${registry.host}/build/from-daemon:1`], { env });
    expect(built.stderr).not.toContain('error');
    expect(built.code).toBe(0);
    const compressed = built.stdout.split('\n').filter((l) => l.includes('"layer-compressed"'));
    expect(compressed).toHaveLength(1);
    const image = `${registry.host}/build/from-daemon:1`;
    expect((await manifestOf(image)).layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);
    await daemon.docker(['pull', '-q', image]);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', image])).toBe('hello from hoist in /srv/app\ndata the layer carries\n');
  });

  it(`compresses the new layers as --compression says: none as a plain tar, zstd ${HAS_ZSTD ? 'as tar+zstd' : 'refused on this Node.js'}`, async () => {
    const build = async (compression: string) => {
      const layout = await tempDir();
      const built = await runHoist(['build', '--compression', compression, '--from', 'scratch', '--add', `${app}:/srv/app`, `oci:${layout}:v1`]);
      const index = built.code === 0 ? (JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }) : undefined;
      const manifest = index ? (JSON.parse(await readFile(join(layout, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as Manifest) : undefined;
      return { built, layer: manifest?.layers[0], blob: (digest: string) => join(layout, 'blobs', 'sha256', digest.slice(7)) };
    };
    const files = (listing: string) => listing.trim().split('\n').filter((f) => !f.endsWith('/'));

    const plain = await build('none');
    expect(plain.built.code).toBe(0);
    expect(plain.layer!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(files((await run('tar', ['tf', plain.blob(plain.layer!.digest)])).stdout)).toEqual(['srv/app/debug.log', 'srv/app/lib/data.txt', 'srv/app/run.sh']);

    const zstd = await build('zstd');
    if (!HAS_ZSTD) {
      expect(zstd.built.code).toBe(2);
      expect(zstd.built.stderr.trim()).toBe(`hoist: error: --compression zstd needs Node.js 22.15 or later (this is ${process.version}); use gzip (see hoist build --help)`);
      return;
    }
    expect(zstd.built.code).toBe(0);
    expect(zstd.layer!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(files((await run('tar', ['--zstd', '-tf', zstd.blob(zstd.layer!.digest)])).stdout)).toEqual(['srv/app/debug.log', 'srv/app/lib/data.txt', 'srv/app/run.sh']);
  });

  it('is reproducible: the same files from another checkout give the same digest; a changed file another', async () => {
    const build = async (dir: string) => {
      const layout = await tempDir();
      const built = await runHoist(['build', '-q', '--from', `${registry.host}/build/base:1`, '--add', `${dir}:/srv/app`, `oci:${layout}`], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
      expect(built.code).toBe(0);
      return built.stdout.trim();
    };
    const elsewhere = join(await tempDir('hoist-checkout-'), 'somewhere', 'else');
    await cp(app, elsewhere, { recursive: true });
    const first = await build(app);
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await build(app)).toBe(first);
    expect(await build(elsewhere)).toBe(first);
    await writeFile(join(elsewhere, 'lib', 'data.txt'), 'data the layer carries, changed\n');
    expect(await build(elsewhere)).not.toBe(first);
  });

  it('builds on every platform of a multi-platform base, or on the ones --platform names', async () => {
    const made = await runHoist(['build', '--from', 'scratch', '--add', `${rootfs}:/`, '--platform', 'linux/amd64', '--platform', 'linux/arm64', `${registry.host}/build/multi:1`]);
    expect(made.code).toBe(0);
    const all = await runHoist(['build', '--from', `${registry.host}/build/multi:1`, '--add', `${app}:/srv/app`, `${registry.host}/build/multi-app:all`]);
    expect(all.code).toBe(0);
    const index = await manifestOf(`${registry.host}/build/multi-app:all`);
    expect(index.manifests!.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const images = await Promise.all(index.manifests!.map((m) => manifestOf(`${registry.host}/build/multi-app@${m.digest}`)));
    expect(images.map((i) => i.layers.length)).toEqual([2, 2]);
    expect(images[0]!.layers[1]!.digest).toBe(images[1]!.layers[1]!.digest);

    const one = await runHoist(['build', '--from', `${registry.host}/build/multi:1`, '--platform', 'linux/arm64', '--add', `${app}:/srv/app`, `${registry.host}/build/multi-app:arm64`]);
    expect(one.code).toBe(0);
    const single = await manifestOf(`${registry.host}/build/multi-app:arm64`);
    expect(single.layers).toHaveLength(2);
    expect(single.manifests).toBeUndefined();
  });

  it('fills the OCI annotations from a Jenkins build with --ci-annotations, the repository URL without its credentials', async () => {
    const built = await runHoist(['build', '--ci-annotations', '--annotation', 'team=payments', '--from', `${registry.host}/build/base:1`, '--add', `${app}:/srv/app`, `${registry.host}/build/annotated:1`], {
      env: { GIT_COMMIT: 'a'.repeat(40), GIT_URL: 'https://jenkins:s3cret-token@git.example.com/team/app.git', BUILD_URL: 'https://jenkins.example.com/job/app/42/', SOURCE_DATE_EPOCH: '1700000000' },
    });
    expect(built.code).toBe(0);
    expect(built.stdout + built.stderr).not.toContain('s3cret-token');
    expect((await manifestOf(`${registry.host}/build/annotated:1`)).annotations).toMatchObject({
      'org.opencontainers.image.revision': 'a'.repeat(40),
      'org.opencontainers.image.source': 'https://git.example.com/team/app.git',
      'org.opencontainers.image.url': 'https://jenkins.example.com/job/app/42/',
      'org.opencontainers.image.created': '2023-11-14T22:13:20.000Z',
      team: 'payments',
    });
  });
});

describe('hoist build refuses bad input in one line, pushing nothing', () => {
  it.each([
    ['a missing --add path', () => ['--from', `${registry.host}/build/base:1`, '--add', '/nonexistent/dist:/app'], 2, '/nonexistent/dist: no such file or directory'],
    ['a base that does not exist', () => ['--from', `${registry.host}/build/no-such-base:1`, '--add', `${app}:/app`], 1, 'MANIFEST_UNKNOWN'],
    ['an --env without =', () => ['--from', 'scratch', '--env', 'GREETING', '--add', `${app}:/app`], 2, '--env takes KEY=VALUE, not "GREETING"'],
    ['a --label without =', () => ['--from', 'scratch', '--label', 'team', '--add', `${app}:/app`], 2, '--label takes KEY=VALUE, not "team"'],
    ['no --from', () => ['--add', `${app}:/app`], 2, 'build needs --from BASE'],
  ])('%s', async (_, args, code, message) => {
    const built = await runHoist(['build', ...args(), `${registry.host}/build/refused:1`]);
    expect(built.code).toBe(code);
    const lines = built.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(await manifestStatus(registry.url, 'build/refused', '1')).toBe(404);
  });

  it('a destination that refuses: exit 1, no tag', async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      proxy.addRule({ method: 'PUT', path: /\/manifests\//, times: Infinity, action: { type: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'no pushes here' }] }) } });
      const built = await runHoist(['build', '--from', `${registry.host}/build/base:1`, '--add', `${app}:/app`, `${proxy.host}/build/denied:1`]);
      expect(built.code).toBe(1);
      expect(built.stderr.trim().split('\n').filter((l) => l.startsWith('hoist: error:'))).toEqual([expect.stringContaining('DENIED: no pushes here')]);
      expect(await manifestStatus(registry.url, 'build/denied', '1')).toBe(404);
    } finally {
      await proxy.close();
    }
  });
});
