import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { tempDir } from '../helpers.js';
import { hoistInProcess } from '../in-process.js';

/**
 * `oci:DIR:REF` destinations as skopeo reads them: split at the first colon, REF held to the
 * OCI ref.name grammar. A ref is a name in index.json, never a path: nothing is written
 * outside DIR, and a ref skopeo would refuse is never stored.
 */
const run = promisify(execFile);
let source: string;
let image: WrittenImage;

beforeAll(async () => {
  source = await tempDir();
  image = await makeImageLayout(source, [2048], 'v1');
});

/** Every path under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

async function refsOf(dir: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '');
}

describe('oci: destination refs', () => {
  it('a ref that climbs out of DIR, or that the grammar refuses, is a usage error and writes nothing', async () => {
    const sandbox = await tempDir();
    const deep = join(sandbox, 'a', 'b', 'c');
    await mkdir(deep, { recursive: true });
    const out = join(deep, 'out');
    const cases: string[][] = [
      [`oci:${out}:../../../x`],
      [`oci:${out}:`],
      [`oci:${out}`, '-t', '../y'],
      [`oci:${out}:ok`, '-t', 'line\nhoist: pushed OK'],
      [`oci:${out}:feature/`],
    ];
    for (const destination of cases) {
      const pushed = await hoistInProcess(['push', `oci:${source}:v1`, ...destination]);
      expect(pushed.code, destination.join(' ')).toBe(2);
      expect(pushed.stderr, destination.join(' ')).toMatch(/^hoist: error: oci:.*: ".*" is not a valid OCI layout ref \(.*\)\n$/);
      expect(pushed.stdout).toBe('');
    }
    expect(await tree(sandbox)).toEqual(['a', 'a/b', 'a/b/c']);
  });

  it('oci:DIR:feature/login is DIR with ref feature/login, which skopeo reads back', async () => {
    const parent = await tempDir();
    const out = join(parent, 'out');
    const pushed = await hoistInProcess(['push', `oci:${source}:v1`, `oci:${out}:feature/login`, '-t', 'app:1']);
    expect(pushed.stderr).not.toMatch(/error/);
    expect(pushed.code).toBe(0);
    expect(await readdir(parent)).toEqual(['out']);
    expect((await refsOf(out)).sort()).toEqual(['app:1', 'feature/login']);
    for (const ref of ['feature/login', 'app:1']) {
      const raw = (await run('skopeo', ['inspect', '--raw', `oci:${out}:${ref}`], { encoding: 'buffer' })).stdout;
      expect(sha256(raw)).toBe(image.manifest.digest);
    }
    // And hoist reads it back the same way, as a source.
    const inspected = await hoistInProcess(['inspect', `oci:${out}:feature/login`, '--json']);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(image.manifest.digest);
  });
});
