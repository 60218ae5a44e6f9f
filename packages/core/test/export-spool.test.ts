import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { spoolExport } from '../src/daemon/export-spool.js';
import { PushError } from '../src/errors.js';

/**
 * A daemon's export taken in as a stream: what lands on disk is only ever compressed, and what
 * the store serves back is the archive's content, byte for byte.
 */
const fail = (why: string) => new PushError('INVALID_SOURCE', why);
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function exportTar(): Promise<{ tar: string; text: Buffer; gz: Buffer; small: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-spool-'));
  await mkdir(join(dir, 'src', 'abc'), { recursive: true });
  // 4 MiB of text-like content: compresses well, as a layer of real files does.
  const text = Buffer.from(Array.from({ length: 120_000 }, (_, i) => `line ${i} of a layer that compresses\n`).join(''));
  const gz = gzipSync(randomBytes(3 * 1024 * 1024));
  const small = Buffer.from('{"config": true}');
  await writeFile(join(dir, 'src', 'abc', 'layer.tar'), text);
  await writeFile(join(dir, 'src', 'blob.gz'), gz);
  await writeFile(join(dir, 'src', 'manifest.json'), small);
  const tar = join(dir, 'export.tar');
  execFileSync('tar', ['--format=posix', '-cf', tar, '-C', join(dir, 'src'), '.']);
  return { tar, text, gz, small };
}

describe('spoolExport', () => {
  it('keeps only compressed bytes on disk and serves every entry back as it was', async () => {
    const { tar, text, gz, small } = await exportTar();
    const scratch = await mkdtemp(join(tmpdir(), 'hoist-scratch-'));
    // Small reads, as a socket delivers them.
    const spool = await spoolExport(createReadStream(tar, { highWaterMark: 1000 }), scratch, { format: 'gzip', level: 6 }, fail);

    const onDisk = await Promise.all((await readdir(scratch)).map(async (f) => (await stat(join(scratch, f))).size));
    expect(onDisk.reduce((a, b) => a + b, 0)).toBeLessThan(gz.length + text.length / 4);

    const layer = spool.compressed(sha256(text))!;
    const gzipped = Buffer.concat(await layer.open().toArray());
    expect(sha256(gzipped)).toBe(layer.digest);
    expect(gzipped.length).toBe(layer.size);
    expect(gunzipSync(gzipped).equals(text)).toBe(true);
    // Kept as its gzip, the layer has no digest of its own bytes in the spool.
    expect(spool.digestOf('abc/layer.tar')).toBeUndefined();

    expect((await spool.store.read('abc/layer.tar')).equals(text)).toBe(true);
    expect(await spool.store.size('abc/layer.tar')).toBe(text.length);
    expect((await spool.store.read('blob.gz')).equals(gz)).toBe(true);
    expect(spool.digestOf('blob.gz')).toBe(sha256(gz));
    expect(spool.compressed(sha256(gz))).toBeUndefined();
    expect((await spool.store.read('manifest.json')).equals(small)).toBe(true);
    expect(await spool.store.size('missing')).toBeUndefined();
  }, 30_000); // CPU-bound (it compresses): 1.2 s alone, several times that beside a full suite run

  it('keeps uncompressed entries as they are with compression off', async () => {
    const { tar, text } = await exportTar();
    const scratch = await mkdtemp(join(tmpdir(), 'hoist-scratch-'));
    const spool = await spoolExport(createReadStream(tar), scratch, { format: 'none', level: 6 }, fail);
    expect(spool.compressed(sha256(text))).toBeUndefined();
    expect((await spool.store.read('abc/layer.tar')).equals(text)).toBe(true);
  });

  it('fails on an export cut short', async () => {
    const { tar } = await exportTar();
    const bytes = await readFile(tar);
    const scratch = await mkdtemp(join(tmpdir(), 'hoist-scratch-'));
    const cut = (async function* () {
      yield bytes.subarray(0, 2 * 1024 * 1024);
    })();
    await expect(spoolExport(cut, scratch, { format: 'gzip', level: 6 }, fail)).rejects.toThrow(/truncated tar/);
  });

  it('keeps no more than 64 MiB of small entries in memory: the rest go to scratch files, and read back the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-spool-'));
    await mkdir(join(dir, 'src'));
    // 70 files of 1 MiB each: each small enough for memory, together past the cap.
    const one = randomBytes(1024 * 1024);
    for (let i = 0; i < 70; i++) await writeFile(join(dir, 'src', `f${i}`), one);
    const tar = join(dir, 'many.tar');
    execFileSync('tar', ['--format=posix', '-cf', tar, '-C', join(dir, 'src'), '.']);
    const scratch = await mkdtemp(join(tmpdir(), 'hoist-scratch-'));
    const spool = await spoolExport(createReadStream(tar), scratch, { format: 'gzip', level: 1 }, fail);
    expect((await readdir(scratch)).length).toBeGreaterThanOrEqual(6);
    expect((await spool.store.read('f69')).equals(one)).toBe(true);
    expect(spool.digestOf('f69')).toBe(sha256(one));
  });
});
