import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { flipByte, runHoist, tempDir } from './helpers.js';

/**
 * Layouts as CI shares them (issue 13): several writers at once, a layout left broken by an
 * earlier step, links planted where hoist writes, a source blob that points out of its layout.
 */
let registry: TestRegistry;
let source: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry();
  source = await tempDir();
  image = await makeImageLayout(source, [48 * 1024]);
});
afterAll(async () => registry?.stop());

async function refsOf(dir: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '').sort();
}

describe('oci: destinations shared and damaged', () => {
  it('the same layout named twice in one command gets both refs', async () => {
    const out = join(await tempDir(), 'out');
    const run = await runHoist(['push', source, `oci:${out}:a`, `oci:${out}:b`]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(await refsOf(out)).toEqual(['a', 'b']);
  });

  it('pushes from several processes at once keep every ref', async () => {
    const out = join(await tempDir(), 'out');
    const refs = Array.from({ length: 8 }, (_, i) => `r${i}`);
    const runs = await Promise.all(refs.map((ref) => runHoist(['push', source, `oci:${out}:${ref}`])));
    expect(runs.map((r) => r.code)).toEqual(refs.map(() => 0));
    expect(await refsOf(out)).toEqual(refs);
  });

  it('an index.json that does not parse is refused, exit 2, and left as it was', async () => {
    const out = await tempDir();
    await writeFile(join(out, 'index.json'), '{"schemaVersion": 2, "manifests": [ {"digest": ');
    const run = await runHoist(['push', source, `oci:${out}:v1`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('index.json is not a valid image index; hoist will not replace it');
    expect(await readFile(join(out, 'index.json'), 'utf8')).toBe('{"schemaVersion": 2, "manifests": [ {"digest": ');
  });

  it('a blob already there with the right size and other bytes is replaced, not trusted', async () => {
    const out = join(await tempDir(), 'out');
    expect((await runHoist(['push', source, `oci:${out}:v1`])).code).toBe(0);
    const layer = join(out, 'blobs', 'sha256', image.layers[0]!.digest.slice(7));
    await flipByte(layer, 7);
    expect((await runHoist(['push', source, `oci:${out}:v2`])).code).toBe(0);
    expect(sha256(await readFile(layer))).toBe(image.layers[0]!.digest);
  });

  it('writes through no link planted in the layout, and refuses a linked blobs directory', async () => {
    const victimDir = await tempDir('hoist-victim-');
    const victim = join(victimDir, 'victim');
    await writeFile(victim, 'precious');
    const out = join(await tempDir(), 'out');
    await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
    await symlink(victim, join(out, 'oci-layout'));
    await symlink(victim, join(out, 'index.json.tmp'));
    await symlink(victim, join(out, 'blobs', 'sha256', image.layers[0]!.digest.slice(7)));
    const run = await runHoist(['push', source, `oci:${out}:v1`]);
    expect(run.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(join(out, 'oci-layout'))).isFile()).toBe(true);
    expect(sha256(await readFile(join(out, 'blobs', 'sha256', image.layers[0]!.digest.slice(7))))).toBe(image.layers[0]!.digest);

    const linked = join(await tempDir(), 'out');
    await mkdir(join(linked, 'blobs'), { recursive: true });
    await symlink(victimDir, join(linked, 'blobs', 'sha256'));
    const refused = await runHoist(['push', source, `oci:${linked}:v1`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('blobs/sha256 is a symbolic link; hoist writes into a layout\'s own directories only');
    expect(await readlink(join(linked, 'blobs', 'sha256'))).toBe(victimDir);
  });
});

describe('oci: sources that point out of themselves', () => {
  it('a layout blob that is a link to a file outside is refused before anything is sent', async () => {
    const dir = await tempDir();
    const linked = await makeImageLayout(dir, [16 * 1024]);
    const outside = join(await tempDir('hoist-outside-'), 'secret');
    const blob = join(dir, 'blobs', 'sha256', linked.layers[0]!.digest.slice(7));
    await writeFile(outside, await readFile(blob));
    await rm(blob);
    await symlink(outside, blob);
    const before = (await registry.accessLog()).length;
    const run = await runHoist(['push', dir, `${registry.host}/escape/app:1`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`blobs/sha256/${linked.layers[0]!.digest.slice(7)} is a link that leads out of the layout (to ${outside}); hoist reads only a layout's own files`);
    expect((await registry.accessLog()).length).toBe(before);
  });
});

describe('hoist login', () => {
  it('writes through a symbolic link to config.json, as docker login does', async () => {
    const home = await tempDir();
    const real = join(home, 'dotfiles', 'docker-config.json');
    await mkdir(join(home, 'dotfiles'));
    await writeFile(real, '{"psFormat": "table"}');
    await mkdir(join(home, '.docker'));
    await symlink(real, join(home, '.docker', 'config.json'));
    const basic = await startRegistry({ auth: 'htpasswd' });
    try {
      const run = await runHoist(['login', '-u', 'hoist', '--password-stdin', basic.host], { stdin: `${basic.users['hoist']}\n`, env: { DOCKER_CONFIG: join(home, '.docker') } });
      expect(run.code).toBe(0);
    } finally {
      await basic.stop();
    }
    expect((await lstat(join(home, '.docker', 'config.json'))).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8'))).toMatchObject({ psFormat: 'table', auths: { [basic.host]: { auth: expect.any(String) } } });
  });
});
