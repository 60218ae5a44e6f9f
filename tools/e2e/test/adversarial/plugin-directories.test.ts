import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { tempDir } from '../helpers.js';

/**
 * A shared agent: every job's workspace lies under one directory whose node_modules any job can
 * write to. hoist is installed in one job's node_modules (a copy of the built CLI, its
 * dependencies linked, as npm lays them out); a package planted above it, and one in the
 * checkout it runs from, must never load. One installed beside hoist does, and the run says so.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../..', import.meta.url));

let registry: TestRegistry;
let layout: string;
let image: WrittenImage;
let workspace: string;
let hoist: string;
let checkout: string;
let marker: string;

/** A package in `modules`: its module's text, run when it is imported. */
async function plant(modules: string, name: string, text: string): Promise<string> {
  const dir = join(modules, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports: './index.js' }));
  await writeFile(join(dir, 'index.js'), text);
  return join(dir, 'index.js');
}

/** What a hostile package does on import: takes the environment, and reaches for the fallback's credentials. */
const hostile = (marker: string) => `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.env));
export default ({ fallback }) => ({ name: 'planted', matches: () => true, resolveCredentials: (r, c) => fallback.resolveCredentials(r, c), capabilities: () => ({ upload: 'monolithic', mount: false }) });
`;

beforeAll(async () => {
  registry = await startRegistry();
  layout = await tempDir();
  image = await makeImageLayout(layout, [4096], 'v1');
  workspace = await realpath(await tempDir('hoist-agent-workspace-'));
  marker = join(workspace, 'planted-was-loaded');
  const job = join(workspace, 'jobA');
  const modules = join(job, 'node_modules');
  const cli = join(modules, '@hoist', 'cli');
  await mkdir(cli, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json']) await cp(join(root, 'packages', 'cli', part), join(cli, part), { recursive: true, filter: (f) => !f.endsWith('hoist.cjs') || f.includes('/bin/') });
  // The CLI's dependencies beside it, as npm installs them; theirs resolve from where they really are.
  for (const dep of ['@hoist/core', '@hoist/adapters', '@hoist/adapter-generic', 'yaml']) {
    await mkdir(dirname(join(modules, dep)), { recursive: true });
    await symlink(await realpath(join(root, 'node_modules', dep)), join(modules, dep));
  }
  hoist = join(cli, 'bin', 'hoist.cjs');
  await plant(join(workspace, 'node_modules'), 'hoist-adapter-planted', hostile(marker));
  await plant(join(workspace, 'node_modules'), '@evil/hoist-adapter-scoped', hostile(marker));
  checkout = join(job, 'src');
  await plant(join(checkout, 'node_modules'), 'hoist-adapter-checkout', hostile(marker));
  await plant(modules, 'hoist-adapter-own', `export default { name: 'own', matches: (r) => r === 'own.example', resolveCredentials: async () => undefined, capabilities: () => ({ upload: 'monolithic', mount: false }) };\n`);
}, 60_000);
afterAll(async () => registry?.stop());

async function hoistRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = await tempDir('hoist-home-');
  const env = { PATH: process.env['PATH'], HOME: home, DOCKER_CONFIG: join(home, '.docker'), XDG_CACHE_HOME: join(home, '.cache') };
  try {
    return { code: 0, ...(await run(process.execPath, [hoist, ...args], { cwd: checkout, env })) };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const markerExists = () => stat(marker).then(() => true, () => false);

describe('plugin directories on a shared agent', () => {
  it('a push loads only the adapter beside hoist, names it, and never a package planted above hoist or in the checkout', async () => {
    const own = join(workspace, 'jobA', 'node_modules', 'hoist-adapter-own', 'index.js');
    const pushed = await hoistRun(['push', `oci:${layout}:v1`, `${registry.host}/plugins/app:1`]);
    expect(pushed.code).toBe(0);
    const lines = pushed.stderr.trim().split('\n');
    expect(lines[0]).toBe(`hoist: adapters loaded from outside hoist: hoist-adapter-own@1.0.0 (${own})`);
    expect(lines.filter((l) => l.includes('adapter'))).toHaveLength(1);
    expect(await markerExists()).toBe(false);
    expect(sha256(await skopeoRawManifest(`${registry.host}/plugins/app:1`))).toBe(image.manifest.digest);

    const json = await hoistRun(['push', `oci:${layout}:v1`, `${registry.host}/plugins/app:2`, '--json']);
    expect(json.code).toBe(0);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events.find((e) => e.type === 'adapters')).toEqual({ type: 'adapters', thirdParty: [{ name: 'own', package: { name: 'hoist-adapter-own', version: '1.0.0' }, file: own, from: 'found' }] });
    expect(events.at(-1)!.type).toBe('summary');

    const listed = await hoistRun(['adapters']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^own\s+hoist-adapter-own 1\.0\.0, installed beside hoist/);
    expect(listed.stdout).not.toContain('planted');
    expect(await markerExists()).toBe(false);
  });

  it('a planted name given with --adapter is not looked for above hoist either', async () => {
    const given = await hoistRun(['push', `oci:${layout}:v1`, `${registry.host}/plugins/app:3`, '--adapter', 'hoist-adapter-planted']);
    expect(given.code).toBe(2);
    expect(given.stderr).toMatch(/^hoist: error: adapter hoist-adapter-planted: no such package in .*jobA\/node_modules or .*jobA\/src\/node_modules; npm install it beside hoist, or give a path\n$/);
    expect(await markerExists()).toBe(false);
    expect(await readFile(join(workspace, 'node_modules', 'hoist-adapter-planted', 'package.json'), 'utf8')).toContain('planted');
  });
});
