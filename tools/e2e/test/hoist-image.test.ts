import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, sharedLibraryRootfs, skopeoArchive, skopeoRawManifest } from '@hoist/test-images';
import { startDockerDaemon, startRegistry, type TestDockerDaemon, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * hoist's own image, made by hoist build: Node.js and the single-file CLI on a base of the
 * shared libraries Node.js loads (copied from this machine, as a distroless "cc" base holds them).
 * This is the image a Kubernetes Jenkins agent runs hoist from: it pushes, so it holds a /tmp
 * (mode 1777) for hoist's scratch files, and honours TMPDIR.
 */
const execFileAsync = promisify(execFile);
const BUNDLE = fileURLToPath(new URL('../../../packages/cli/dist/hoist.cjs', import.meta.url));
const NODE = realpathSync(process.execPath);
let registry: TestRegistry;
let daemon: TestDockerDaemon;

beforeAll(async () => {
  [registry, daemon] = await Promise.all([startRegistry(), startDockerDaemon()]);
}, 60_000);
afterAll(async () => Promise.all([daemon?.stop(), registry?.stop()]));

describe("hoist's own image", () => {
  it('runs in Docker: prints its version, and pushes a layout it is given to a registry', async () => {
    const rootfs = await tempDir('hoist-libs-');
    // A directory's own mode is not kept by --add (as COPY); the modes inside the tree are.
    const top = await tempDir('hoist-image-top-');
    await mkdir(join(top, 'tmp'));
    await chmod(join(top, 'tmp'), 0o1777);
    await sharedLibraryRootfs(rootfs, NODE);
    const base = await runHoist(['build', '--from', 'scratch', '--add', `${rootfs}:/`, `${registry.host}/base/cc:1`]);
    expect(base.code).toBe(0);

    const version = (JSON.parse(await readFile(fileURLToPath(new URL('../../../packages/cli/package.json', import.meta.url)), 'utf8')) as { version: string }).version;
    const image = `${registry.host}/tools/hoist:${version}`;
    const built = await runHoist([
      'build', '--from', `${registry.host}/base/cc:1`,
      '--add', `${NODE}:/usr/local/bin/node`,
      '--add', `${BUNDLE}:/opt/hoist/hoist.cjs`,
      '--add', `${top}:/`,
      '--entrypoint', '/usr/local/bin/node', '--entrypoint', '/opt/hoist/hoist.cjs',
      '--label', `org.opencontainers.image.version=${version}`,
      image,
    ]);
    expect(built.stderr).not.toContain('error');
    expect(built.code).toBe(0);
    expect((JSON.parse((await skopeoRawManifest(image)).toString()) as { layers: unknown[] }).layers).toHaveLength(4);

    await daemon.docker(['pull', '-q', image]);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', image, '--version'])).toBe(`hoist ${version}\n`);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', image, 'build', '--help'])).toContain('Usage: hoist build --from BASE');

    // As a Kubernetes agent's container runs it: a workspace mounted in, the registry on the network.
    const workspace = await tempDir('hoist-image-workspace-');
    const pushed = await makeImageLayout(join(workspace, 'layout'), [64 * 1024, 4 * 1024], 'v1');
    await skopeoArchive(join(workspace, 'layout'), 'v1', 'docker-archive', join(workspace, 'image.tar'), 'team/app:1');
    await execFileAsync('chmod', ['-R', 'a+rX', workspace]);
    const run = (...args: string[]) => daemon.docker(['run', '--rm', '--network', 'host', '--user', '1000:1000', '-v', `${workspace}:/workspace:ro`, ...args]);
    await run(image, 'push', '/workspace/layout', `${registry.host}/from-image/app:1`);
    expect(sha256(await skopeoRawManifest(`${registry.host}/from-image/app:1`))).toBe(pushed.manifest.digest);
    // A docker save's layers are compressed into scratch files first: in the image's /tmp, or where TMPDIR says.
    await run(image, 'push', '/workspace/image.tar', `${registry.host}/from-image/app:2`);
    await expect(run('-e', 'TMPDIR=/nowhere', image, 'push', '/workspace/image.tar', `${registry.host}/from-image/app:3`)).rejects.toThrow(/hoist: error: .*\/nowhere/);
  }, 120_000);
});
