import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { tempDir } from './helpers.js';

/**
 * hoist as an agent gets it: the published packages installed into an empty project, and the
 * single-file build copied alone into an empty directory. Both push to a real registry.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const PUBLISHED = ['core', 'cli', 'adapters', 'adapter-generic', 'adapter-dockerhub', 'adapter-ghcr', 'adapter-harbor', 'adapter-quay', 'adapter-ecr', 'adapter-gcr', 'adapter-acr', 'adapter-testkit'];
const CLOUD_SDKS = ['@aws-sdk/client-ecr', 'google-auth-library', '@azure/identity'];
const ECR_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry();
  layout = await tempDir();
  image = await makeImageLayout(layout, [24 * 1024]);
});
afterAll(async () => registry?.stop());

/** A clean environment, as on an agent: no workspace on the module path, a home of its own. */
async function agentEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await tempDir('hoist-agent-home-');
  return { PATH: process.env['PATH'], HOME: home, DOCKER_CONFIG: join(home, '.docker'), XDG_CACHE_HOME: join(home, '.cache'), AWS_EC2_METADATA_DISABLED: 'true' };
}

async function exec(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the published packages', () => {
  it('are publish-ready: metadata, a README and LICENSE in each tarball, every export target inside it', async () => {
    const packs = await tempDir('hoist-packs-');
    // The workspace is built before the tests; prepack would build it again, under the other tests' feet.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, ...PUBLISHED.flatMap((p) => ['--workspace', `packages/${p}`])], { cwd: root });
    for (const name of PUBLISHED) {
      const pkg = JSON.parse(await readFile(join(root, 'packages', name, 'package.json'), 'utf8')) as Record<string, unknown> & { exports: Record<string, Record<string, string>>; scripts: Record<string, string> };
      expect(pkg).toMatchObject({ repository: { type: 'git' }, homepage: expect.any(String), bugs: { url: expect.any(String) }, keywords: expect.any(Array), publishConfig: { access: 'public' }, types: expect.stringMatching(/\.d\.ts$/) });
      expect(pkg.scripts['prepack']).toBe('npm run build');
      const files = (await run('tar', ['tzf', join(packs, `hoist-${name}-0.1.0.tgz`)])).stdout.split('\n').map((f) => f.replace(/^package\//, ''));
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      const targets = [pkg['types'] as string, ...Object.values(pkg.exports['.']!)].map((t) => t.replace(/^\.\//, ''));
      for (const target of targets) expect(files, `${name}: ${target}`).toContain(target);
      // Source maps travel with the sources they name.
      for (const map of files.filter((f) => f.endsWith('.js.map')).slice(0, 3)) {
        const { sources } = JSON.parse((await run('tar', ['xzOf', join(packs, `hoist-${name}-0.1.0.tgz`), `package/${map}`])).stdout) as { sources: string[] };
        for (const source of sources) expect(files).toContain(join(map, '..', source));
      }
    }
  }, 60_000);

  it('install into an empty project with no cloud SDK, push from there, and take a cloud adapter on request', async () => {
    const packs = await tempDir('hoist-packs-');
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, ...PUBLISHED.flatMap((p) => ['--workspace', `packages/${p}`])], { cwd: root });
    const project = await tempDir('hoist-agent-');
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'agent', private: true }));
    const env = await agentEnv();
    const tarball = (name: string) => join(packs, `hoist-${name}-0.1.0.tgz`);
    const npmInstall = (...names: string[]) => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...names.map(tarball)], { cwd: project, env: { ...process.env, ...env } });
    await npmInstall('core', 'adapter-generic', 'adapter-dockerhub', 'adapter-ghcr', 'adapter-harbor', 'adapter-quay', 'adapters', 'cli');

    const push = await exec(join(project, 'node_modules', '.bin', 'hoist'), ['push', layout, `${registry.host}/packed/app:1`], { cwd: project, env });
    expect(push.stderr).not.toMatch(/error/);
    expect(push.code).toBe(0);
    expect(sha256(await skopeoRawManifest(`${registry.host}/packed/app:1`))).toBe(image.manifest.digest);

    const tree = (await run('npm', ['ls', '--all'], { cwd: project })).stdout;
    for (const sdk of CLOUD_SDKS) expect(tree).not.toContain(sdk);

    await npmInstall('adapter-ecr');
    expect((await run('npm', ['ls', '--all'], { cwd: project })).stdout).toContain('@aws-sdk/client-ecr');
  }, 120_000);
});

describe('a plugin package', () => {
  it('named hoist-adapter-*, installed beside the packed CLI, is listed by hoist adapters and serves its host with no flag', async () => {
    const guarded = await startRegistry({ auth: 'htpasswd', users: { robot: 'plugin-secret' } });
    try {
      const packs = await tempDir('hoist-packs-');
      await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, ...PUBLISHED.flatMap((p) => ['--workspace', `packages/${p}`])], { cwd: root });
      // A stranger's plugin: its own package, credentials from the run's environment, chunked uploads.
      const plugin = await tempDir('hoist-plugin-');
      await writeFile(join(plugin, 'package.json'), JSON.stringify({ name: 'hoist-adapter-e2e', version: '1.0.0', type: 'module', exports: './index.js', peerDependencies: { '@hoist/core': '^0.1.0' } }));
      await writeFile(
        join(plugin, 'index.js'),
        `export default ({ env, fallback }) => ({
          name: 'e2e-plugin',
          matches: (registry) => registry === '${guarded.host}',
          resolveCredentials: async (registry, context) =>
            env.E2E_PLUGIN_TOKEN ? { kind: 'basic', username: 'robot', password: env.E2E_PLUGIN_TOKEN, source: 'hoist-adapter-e2e' } : fallback.resolveCredentials(registry, context),
          capabilities: () => ({ upload: 'chunked', chunkSize: 8192, mount: true }),
        });\n`,
      );
      await run('npm', ['pack', '--pack-destination', packs], { cwd: plugin });
      const project = await tempDir('hoist-agent-');
      await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'agent', private: true }));
      const env = await agentEnv();
      const tarballs = [...['core', 'adapter-generic', 'adapter-dockerhub', 'adapter-ghcr', 'adapter-harbor', 'adapter-quay', 'adapters', 'cli'].map((name) => join(packs, `hoist-${name}-0.1.0.tgz`)), join(packs, 'hoist-adapter-e2e-1.0.0.tgz')];
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: project, env: { ...process.env, ...env } });
      const hoist = join(project, 'node_modules', '.bin', 'hoist');

      const listed = await exec(hoist, ['adapters'], { cwd: project, env });
      expect(listed.code).toBe(0);
      const lines = listed.stdout.trim().split('\n');
      expect(lines[0]).toBe(`e2e-plugin  hoist-adapter-e2e 1.0.0, installed beside hoist (${join(await realpath(project), 'node_modules', 'hoist-adapter-e2e', 'index.js')})`);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['harbor', 'ghcr', 'quay', 'dockerhub', 'generic', 'not', 'not', 'not']);

      const mark = (await guarded.accessLog()).length;
      const push = await exec(hoist, ['push', layout, `${guarded.host}/plugin/app:1`], { cwd: project, env: { ...env, E2E_PLUGIN_TOKEN: 'plugin-secret' } });
      expect(push.stderr).not.toMatch(/error/);
      expect(push.code).toBe(0);
      expect(sha256(await skopeoRawManifest(`${guarded.host}/plugin/app:1`, { username: 'robot', password: 'plugin-secret' }))).toBe(image.manifest.digest);
      // The plugin's capabilities were the ones used: its 8 KiB chunks, as PATCH requests.
      expect((await guarded.accessLog()).slice(mark).filter((e) => e.method === 'PATCH' && e.status === 202).length).toBeGreaterThan(2);
    } finally {
      await guarded.stop();
    }
  }, 180_000);
});

describe('the single-file build', () => {
  it('pushes from an empty directory with nothing beside it, and names the cloud adapter it lacks', async () => {
    const dir = await tempDir('hoist-single-');
    await copyFile(join(root, 'packages', 'cli', 'dist', 'hoist.cjs'), join(dir, 'hoist.cjs'));
    const env = await agentEnv();
    const push = await exec(process.execPath, ['hoist.cjs', 'push', layout, `${registry.host}/single/app:1`], { cwd: dir, env });
    expect(push.code).toBe(0);
    expect(sha256(await skopeoRawManifest(`${registry.host}/single/app:1`))).toBe(image.manifest.digest);
    expect((await exec(process.execPath, ['hoist.cjs', '--version'], { cwd: dir, env })).stdout).toMatch(/^hoist 0\.1\.0\n$/);

    // Nothing serves the ECR name here: what matters is whether the adapter was found.
    const ecr = ['hoist.cjs', 'push', layout, `${ECR_HOST}/app:1`, '--resolve', `${ECR_HOST}:127.0.0.1`, '--retries', '0', '--timeout', '10s'];
    const without = await exec(process.execPath, ecr, { cwd: dir, env });
    expect(without.stderr).toContain(`hoist: note: ${ECR_HOST} looks like Amazon ECR, whose adapter is not installed: pushing with Docker-style credentials (for its own: npm install --global ./hoist-adapter-ecr-*.tgz, which npm run release writes; @hoist/adapter-ecr once published)`);

    await mkdir(join(dir, 'node_modules', '@hoist'), { recursive: true });
    await symlink(join(root, 'packages', 'adapter-ecr'), join(dir, 'node_modules', '@hoist', 'adapter-ecr'));
    const withAdapter = await exec(process.execPath, ecr, { cwd: dir, env });
    expect(withAdapter.code).toBe(1);
    expect(withAdapter.stderr).not.toContain('hoist: note:');
    // The adapter ran: the request it signed went to the loopback address, where nothing listens.
    expect(withAdapter.stderr.trim().split('\n').at(-1)).toMatch(/^hoist: error: .*(ECONNREFUSED|connection refused|cannot connect)/i);
  }, 60_000);
});

describe('the release tarballs (npm run release)', () => {
  it('install globally with no @hoist package on any registry: hoist on PATH pushes, and a cloud adapter installed beside it is used', async () => {
    const out = await tempDir('hoist-release-');
    await run(process.execPath, [join(root, 'tools', 'scripts', 'release.mjs'), '--out', out], { cwd: root });
    const prefix = await tempDir('hoist-global-');
    const env = { ...(await agentEnv()), PATH: `${join(prefix, 'bin')}:${process.env['PATH']}` };
    // --offline: nothing is fetched, so nothing the tarball needs is missing from it.
    await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(out, 'hoist-cli-0.1.0.tgz')], { env: { ...process.env, ...env } });
    expect((await exec('hoist', ['--version'], { cwd: prefix, env })).stdout).toBe('hoist 0.1.0\n');
    const push = await exec('hoist', ['push', layout, `${registry.host}/released/app:1`], { cwd: prefix, env });
    expect(push.stderr).not.toMatch(/error/);
    expect(push.code).toBe(0);
    expect(sha256(await skopeoRawManifest(`${registry.host}/released/app:1`))).toBe(image.manifest.digest);

    // The adapter's tarball brings its part of core; its SDK comes from npm (here, npm's cache).
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(out, 'hoist-adapter-ecr-0.1.0.tgz')], { env: { ...process.env, ...env } });
    expect((await exec('hoist', ['adapters'], { cwd: prefix, env })).stdout).toMatch(/^ecr +@hoist\/adapter-ecr, hoist's cloud adapter, installed$/m);
    const ecr = await exec('hoist', ['push', layout, `${ECR_HOST}/app:1`, '--resolve', `${ECR_HOST}:127.0.0.1`, '--retries', '0', '--timeout', '10s'], { cwd: prefix, env });
    expect(ecr.code).toBe(1);
    expect(ecr.stderr).not.toContain('hoist: note:');
    expect(ecr.stderr.trim().split('\n').at(-1)).toMatch(/^hoist: error: .*(ECONNREFUSED|connection refused|cannot connect)/i);
  }, 180_000);
});

describe('the single file on PATH', () => {
  it('runs as hoist through its launcher linked into PATH, or installed alone as hoist', async () => {
    const opt = await tempDir('hoist-opt-');
    for (const file of ['hoist', 'hoist.cjs']) await copyFile(join(root, 'packages', 'cli', 'dist', file), join(opt, file));
    await chmod(join(opt, 'hoist'), 0o755);
    const linked = await tempDir('hoist-bin-');
    await symlink(join(opt, 'hoist'), join(linked, 'hoist'));
    // install -m 755 hoist.cjs BIN/hoist: the one file, nothing beside it.
    const alone = await tempDir('hoist-bin-');
    await copyFile(join(root, 'packages', 'cli', 'dist', 'hoist.cjs'), join(alone, 'hoist'));
    await chmod(join(alone, 'hoist'), 0o755);
    for (const bin of [linked, alone]) {
      const env = { ...(await agentEnv()), PATH: `${bin}:${process.env['PATH']}` };
      expect((await exec('hoist', ['--version'], { cwd: bin, env })).stdout).toBe('hoist 0.1.0\n');
      const push = await exec('hoist', ['push', layout, `${registry.host}/on-path/app:1`], { cwd: bin, env });
      expect(push.code).toBe(0);
    }
    expect(sha256(await skopeoRawManifest(`${registry.host}/on-path/app:1`))).toBe(image.manifest.digest);
  }, 60_000);
});
