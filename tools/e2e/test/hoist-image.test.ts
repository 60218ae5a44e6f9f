import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedLibraryRootfs, skopeoRawManifest } from '@hoist/test-images';
import { startDockerDaemon, startRegistry, type TestDockerDaemon, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * hoist's own image, made by hoist build: Node.js and the single-file CLI on a base of the
 * shared libraries Node.js loads (copied from this machine, as a distroless "cc" base holds them).
 * This is the image a Kubernetes Jenkins agent runs hoist from.
 */
const BUNDLE = fileURLToPath(new URL('../../../packages/cli/dist/hoist.cjs', import.meta.url));
const NODE = realpathSync(process.execPath);
let registry: TestRegistry;
let daemon: TestDockerDaemon;

beforeAll(async () => {
  [registry, daemon] = await Promise.all([startRegistry(), startDockerDaemon()]);
}, 60_000);
afterAll(async () => Promise.all([daemon?.stop(), registry?.stop()]));

describe("hoist's own image", () => {
  it('runs in Docker: `docker run IMAGE --version` prints the version of the CLI inside', async () => {
    const rootfs = await tempDir('hoist-libs-');
    await sharedLibraryRootfs(rootfs, NODE);
    const base = await runHoist(['build', '--from', 'scratch', '--add', `${rootfs}:/`, `${registry.host}/base/cc:1`]);
    expect(base.code).toBe(0);

    const version = (JSON.parse(await readFile(fileURLToPath(new URL('../../../packages/cli/package.json', import.meta.url)), 'utf8')) as { version: string }).version;
    const image = `${registry.host}/tools/hoist:${version}`;
    const built = await runHoist([
      'build', '--from', `${registry.host}/base/cc:1`,
      '--add', `${NODE}:/usr/local/bin/node`,
      '--add', `${BUNDLE}:/opt/hoist/hoist.cjs`,
      '--entrypoint', '/usr/local/bin/node', '--entrypoint', '/opt/hoist/hoist.cjs',
      '--label', `org.opencontainers.image.version=${version}`,
      image,
    ]);
    expect(built.stderr).not.toContain('error');
    expect(built.code).toBe(0);
    expect((JSON.parse((await skopeoRawManifest(image)).toString()) as { layers: unknown[] }).layers).toHaveLength(3);

    await daemon.docker(['pull', '-q', image]);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', image, '--version'])).toBe(`hoist ${version}\n`);
    expect(await daemon.docker(['run', '--rm', '--network', 'none', image, 'build', '--help'])).toContain('Usage: hoist build --from BASE');
  }, 120_000);
});
