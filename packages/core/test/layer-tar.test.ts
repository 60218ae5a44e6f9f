import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerEntries } from '../src/build/layer-entries.js';
import { layerTar } from '../src/build/layer-tar.js';

/** The tar of a layer, read back by GNU tar: long names, links and excludes as written. */
let dir: string;
const longName = `${'d'.repeat(60)}/${'e'.repeat(60)}/file-with-a-long-name.txt`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-layer-tar-'));
  await mkdir(join(dir, 'd'.repeat(60), 'e'.repeat(60)), { recursive: true });
  await writeFile(join(dir, longName), 'deep\n');
  await symlink(`../${'x'.repeat(120)}`, join(dir, 'long-link'));
  await symlink('b.txt', join(dir, 'a-link'));
  await writeFile(join(dir, 'b.txt'), 'bee\n');
  await mkdir(join(dir, 'node_modules', 'pkg'), { recursive: true });
  await writeFile(join(dir, 'node_modules', 'pkg', 'index.js'), 'left out\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function tarOf(to: string, exclude: string[] = []): Promise<Buffer> {
  const { entries } = await layerEntries({ from: dir, to, exclude });
  const chunks: Buffer[] = [];
  for await (const chunk of layerTar(entries, { uid: 0, gid: 0, mtime: 1_700_000_000 })) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('layer tar', () => {
  it('reads back with GNU tar: sorted, parents first, long names and link targets whole, excludes left out', async () => {
    const listing = execFileSync('tar', ['-tvf', '-', '--numeric-owner', '--full-time'], { input: await tarOf('/opt/app', ['node_modules']), env: { ...process.env, TZ: 'UTC' } }).toString().trim().split('\n');
    const names = listing.map((line) => line.split(/\s+/).slice(5).join(' '));
    expect(names).toEqual([
      'opt/',
      'opt/app/',
      'opt/app/a-link -> b.txt',
      'opt/app/b.txt',
      `opt/app/${'d'.repeat(60)}/`,
      `opt/app/${'d'.repeat(60)}/${'e'.repeat(60)}/`,
      `opt/app/${longName}`,
      `opt/app/long-link -> ../${'x'.repeat(120)}`,
    ]);
    expect(new Set(listing.map((line) => line.split(/\s+/).slice(1, 2).join()))).toEqual(new Set(['0/0']));
    expect(new Set(listing.map((line) => line.split(/\s+/).slice(3, 5).join(' ')))).toEqual(new Set(['2023-11-14 22:13:20']));
  });

  it('gives the same bytes for the same tree', async () => {
    expect((await tarOf('/opt/app')).equals(await tarOf('/opt/app'))).toBe(true);
  });
});
