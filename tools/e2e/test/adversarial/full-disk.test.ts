import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, tarOf, writeLegacyArchive } from '@hoist/test-images';
import { startFakeEngine, startRegistry, type FakeEngine, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, runHoist, tempDir } from '../helpers.js';

/**
 * hoist's own files on a full file system: a 4 MiB tmpfs (these tests run as root) as TMPDIR,
 * and a daemon image whose layer (8 MiB of random bytes: gzip cannot shrink it) does not fit.
 * Before issue 26 such a push printed nothing and exited 0; each write now fails the run with
 * one line naming the directory and the room it needed.
 */
const SMALL = '4m';
let registry: TestRegistry;
let engine: FakeEngine;
let full: string;
let layout: string;

beforeAll(async () => {
  full = await tempDir('hoist-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SMALL}`, 'tmpfs', full]);
  const archive = join(await tempDir(), 'big.tar');
  const layer = tarOf([{ name: 'big.bin', content: randomBytes(8 * 1024 * 1024) }]);
  await writeLegacyArchive(archive, { config: { rootfs: { type: 'layers', diff_ids: [] } }, layers: [{ name: 'l/layer.tar', content: layer }] });
  layout = join(await tempDir(), 'layout');
  await makeImageLayout(layout, [512]);
  [registry, engine] = await Promise.all([startRegistry(), startFakeEngine({ 'big:1': { id: `sha256:${'b'.repeat(64)}`, archive } })]);
});
afterAll(async () => {
  if (full) execFileSync('umount', [full]);
  await Promise.all([registry?.stop(), engine?.stop()]);
});

describe('TMPDIR on a full file system', () => {
  it('a daemon image bigger than TMPDIR: exit 1, one line naming TMPDIR and the room needed, nothing pushed, nothing left', async () => {
    const digestFile = join(await tempDir(), 'big.digest');
    const run = await runHoist(['push', 'docker-daemon:big:1', `${registry.host}/team/big:1`, '--digest-file', digestFile], { env: { DOCKER_HOST: engine.host, TMPDIR: full } });
    // The export's start line, then the one line of the failure.
    expect(run.stderr).toMatch(new RegExp(`^exporting docker-daemon:big:1 from the daemon\\nhoist: error: no room left in ${full} \\(TMPDIR\\) for hoist's temporary files \\(ENOSPC\\): this needs up to 8\\.0 MiB and only [0-4]\\.\\d MiB was free; [^\\n]+\\n$`));
    expect(run.code).toBe(1);
    expect(await manifestStatus(registry.url, 'team/big', '1')).toBe(404);
    expect(await readdir(full)).toEqual([]);
    expect(await readdir(join(digestFile, '..'))).toEqual([]);
  });

  it('a TMPDIR that does not exist: one line naming it', async () => {
    const missing = join(full, 'not-there');
    const run = await runHoist(['push', 'docker-daemon:big:1', `${registry.host}/team/big:2`], { env: { DOCKER_HOST: engine.host, TMPDIR: missing } });
    expect(run.stderr).toBe(`hoist: error: ${missing} (TMPDIR) does not exist: set TMPDIR to a directory hoist may write, with room for the image\n`);
    expect(run.code).toBe(1);
  });
});

describe('a result file on a full file system', () => {
  it('--digest-file that cannot be written fails the run with one line naming it, and leaves no temporary file', async () => {
    const dir = join(full, 'results');
    await mkdir(dir);
    // Fill the file system to its last block; making an empty file still works (inodes).
    await writeFile(join(full, 'filler'), Buffer.alloc(8 * 1024 * 1024)).catch(() => undefined);
    const digestFile = join(dir, 'app.digest');
    const run = await runHoist(['push', `oci:${layout}`, `${registry.host}/team/app:1`, '--digest-file', digestFile]);
    expect(run.stderr).toMatch(new RegExp(`hoist: error: ${digestFile} could not be written \\(ENOSPC, 72 bytes\\): the image was pushed, [^\\n]+\\n$`));
    expect(run.code).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true });
    await rm(join(full, 'filler'));
  });
});

describe('decompressing an archive source: an explicit cap, not the free space', () => {
  /** A docker save archive whose one layer is `zeros` bytes of zeros, gzip'd whole (a bomb when large). */
  async function gzippedArchive(zeros: number, lieAboutSize = false): Promise<string> {
    const file = join(await tempDir(), 'image.tar');
    const layer = Buffer.alloc(zeros);
    await writeLegacyArchive(file, { config: { rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }, layers: [{ name: 'l/layer.tar', content: layer }] });
    const gz = gzipSync(await readFile(file), { level: 9 });
    // The trailer's size field (ISIZE) says 1 KiB: only the bytes as they come out tell the truth.
    if (lieAboutSize) gz.writeUInt32LE(1024, gz.length - 4);
    await writeFile(`${file}.gz`, gz);
    return `${file}.gz`;
  }

  it('an archive that declares more than --max-decompressed: refused before a byte is written, with both numbers', async () => {
    const archive = await gzippedArchive(64 * 2 ** 20);
    const run = await runHoist(['push', '--max-decompressed', '16MiB', archive, `${registry.host}/team/bomb:1`], { env: { TMPDIR: full } });
    expect(run.stderr).toMatch(/^hoist: error: [^\n]+: decompressed, it declares 64\.0 MiB, more than the limit of 16\.0 MiB \(--max-decompressed SIZE or HOIST_MAX_DECOMPRESSED [^\n]+\n$/);
    expect(run.code).toBe(2);
    expect(await readdir(full)).toEqual([]);
  });

  it('an archive whose gzip trailer lies about its size stops at HOIST_MAX_DECOMPRESSED as it inflates', async () => {
    const archive = await gzippedArchive(64 * 2 ** 20, true);
    const run = await runHoist(['push', archive, `${registry.host}/team/bomb:2`], { env: { HOIST_MAX_DECOMPRESSED: '2MiB' } });
    expect(run.stderr).toMatch(/^hoist: error: [^\n]+: decompressed, it grows past 2\.0 MiB, the limit of 2\.0 MiB [^\n]+\n$/);
    expect(run.code).toBe(2);
    expect(await manifestStatus(registry.url, 'team/bomb', '2')).toBe(404);
  });

  it('a 2 KB archive is pushed from a TMPDIR with less than 64 MiB free (it was refused as needing "more than the 0 MiB free")', async () => {
    const archive = await gzippedArchive(1024);
    const run = await runHoist(['push', '-q', archive, `${registry.host}/team/small:1`], { env: { TMPDIR: full } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await manifestStatus(registry.url, 'team/small', '1')).toBe(200);
  });

  it('a --max-decompressed that is not a size is a usage error naming the variable it came from', async () => {
    const run = await runHoist(['push', `oci:${layout}`, `${registry.host}/team/app:2`], { env: { HOIST_MAX_DECOMPRESSED: 'lots' } });
    expect(run.stderr).toBe('hoist: error: HOIST_MAX_DECOMPRESSED lots is not a size: give bytes or a number with KiB, MiB, GiB or TiB (e.g. 16GiB) (see hoist push --help)\n');
    expect(run.code).toBe(2);
  });
});
