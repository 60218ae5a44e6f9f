import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PushError } from '../src/errors.js';
import { indexTar } from '../src/sources/tar-index.js';
import { END_OF_ARCHIVE, fileHeader, padding } from '../src/sources/tar-header.js';
import { readTarStream } from '../src/sources/tar-stream.js';

/** Archives written by GNU tar in each of its formats, read back in place. */
const fail = (why: string) => new PushError('INVALID_SOURCE', why);
const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;

async function archive(format: string): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-tar-'));
  await mkdir(join(dir, 'src', longDir), { recursive: true });
  await writeFile(join(dir, 'src', 'small.txt'), 'small\n');
  await writeFile(join(dir, 'src', longDir, 'deep-file-with-a-long-name.bin'), Buffer.alloc(70_000, 7));
  await writeFile(join(dir, 'src', 'empty'), '');
  const file = join(dir, 'out.tar');
  execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', join(dir, 'src'), '.']);
  return { file, dir };
}

describe('indexTar', () => {
  it.each(['gnu', 'posix', 'ustar'])('reads %s archives, long names included, as byte ranges', async (format) => {
    const { file } = await archive(format);
    const entries = await indexTar(file, fail);
    const bytes = await readFile(file);
    const small = entries.get('small.txt')!;
    expect(bytes.subarray(small.offset, small.offset + small.size).toString()).toBe('small\n');
    const deep = entries.get(`${longDir}/deep-file-with-a-long-name.bin`)!;
    expect(deep.size).toBe(70_000);
    expect(bytes.subarray(deep.offset, deep.offset + deep.size).equals(Buffer.alloc(70_000, 7))).toBe(true);
    expect(entries.get('empty')).toMatchObject({ size: 0 });
    expect([...entries.keys()].some((k) => k.endsWith('/'))).toBe(false);
  });

  it.each(['gnu', 'posix', 'ustar'])('streams %s archives in pieces of any size to the same entries and bytes', async (format) => {
    const { file } = await archive(format);
    const onDisk = await indexTar(file, fail);
    const bytes = await readFile(file);
    const streamed = new Map<string, Buffer>();
    await readTarStream(createReadStream(file, { highWaterMark: 777 }), async (entry, body) => {
      const parts: Buffer[] = [];
      for await (const chunk of body) parts.push(chunk);
      streamed.set(entry.name, Buffer.concat(parts));
    }, fail);
    expect([...streamed.keys()].sort()).toEqual([...onDisk.keys()].sort());
    for (const [name, { offset, size }] of onDisk) expect(streamed.get(name)!.equals(bytes.subarray(offset, offset + size))).toBe(true);
  });

  it('skips what a stream consumer leaves unread', async () => {
    const { file } = await archive('gnu');
    const names: string[] = [];
    await readTarStream(createReadStream(file), async (entry) => void names.push(entry.name), fail);
    expect(names.sort()).toEqual([...(await indexTar(file, fail)).keys()].sort());
  });

  it('writes headers GNU tar and this reader both accept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-tar-'));
    const file = join(dir, 'written.tar');
    const layer = Buffer.alloc(1000, 3);
    const name = `${'a'.repeat(64)}/layer.tar`;
    await writeFile(file, Buffer.concat([fileHeader(name, layer.length), layer, padding(layer.length), fileHeader('manifest.json', 2), Buffer.from('[]'), padding(2), END_OF_ARCHIVE]));
    expect(execFileSync('tar', ['-tvf', file], { encoding: 'utf8' })).toMatch(new RegExp(`^-rw-r--r-- 0/0 +1000 1970-01-01 00:00 ${name}\\n-rw-r--r-- 0/0 +2 1970-01-01 00:00 manifest.json\\n$`));
    const entries = await indexTar(file, fail);
    expect([...entries.entries()]).toEqual([[name, { offset: 512, size: 1000 }], ['manifest.json', { offset: 2048, size: 2 }]]);
  });

  it('refuses a header whose size runs past the end of the file', async () => {
    const { file } = await archive('gnu');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, 4096));
    await expect(indexTar(file, fail)).rejects.toThrow(/truncated tar/);
  });

  it('refuses a corrupted header by its checksum', async () => {
    const { file } = await archive('ustar');
    const bytes = await readFile(file);
    bytes[10] = bytes[10]! ^ 0xff;
    await writeFile(file, bytes);
    await expect(indexTar(file, fail)).rejects.toThrow('tar header at byte 0 fails its checksum');
  });

  it('refuses absolute names and names that climb out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-tar-'));
    await writeFile(join(dir, 'x'), 'x');
    const file = join(dir, 'evil.tar');
    execFileSync('tar', ['-cf', file, '-P', '--transform', 's,^.*x$,../outside,', join(dir, 'x')]);
    await expect(indexTar(file, fail)).rejects.toThrow('path "../outside" escapes the archive');
  });
});
