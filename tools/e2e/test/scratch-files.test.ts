import { execFile, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '@hoist/core';
import { makeImageLayout } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/** hoist's temporary files on a CI agent (issue 13, item 12): bounded by the room there is, and not left behind by a killed run. */
const run = promisify(execFile);
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => registry?.stop());

describe('temporary files', () => {
  it('an archive that inflates past the room in TMPDIR fails in one line, exit 2, leaving nothing', async () => {
    // A 48 MiB tmpfs of the test's own (the tests run as root) stands for a nearly full disk.
    const small = join(await tempDir(), 'small');
    await mkdir(small);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', small]);
    try {
      const archive = join(await tempDir(), 'bomb.tar.gz');
      const zeros = Buffer.alloc(1024 * 1024);
      await pipeline(Readable.from((function* () { for (let i = 0; i < 256; i++) yield zeros; })()), createGzip({ level: 1 }), createWriteStream(archive));
      const pushed = await runHoist(['push', archive, `${registry.host}/scratch/bomb:1`], { env: { TMPDIR: small } });
      expect(pushed.code).toBe(2);
      expect(pushed.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^hoist: error: ${archive}: decompressed, it declares 256\\.\\d MiB, and ${small} \\(TMPDIR\\) has \\d+\\.\\d MiB free: give TMPDIR more room, or pass the archive uncompressed$`))]);
      expect(await readdir(small)).toEqual([]);
    } finally {
      await run('umount', [small]);
    }
  });

  it('a library caller that disposes of an opened gzip\'d archive (await using) leaves TMPDIR as it was', async () => {
    const dir = await tempDir('hoist-tmp-');
    const layout = await tempDir();
    await makeImageLayout(layout, [4096]);
    const archive = join(await tempDir(), 'image.tar.gz');
    await run('sh', ['-c', `tar -C ${JSON.stringify(layout)} -cf - . | gzip > ${JSON.stringify(archive)}`]);
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = dir;
    try {
      const source = await openSource(archive);
      expect((await readdir(dir)).length).toBe(1);
      // What `await using source = ...` calls at the end of its block.
      await source[Symbol.asyncDispose]();
      expect(await readdir(dir)).toEqual([]);
    } finally {
      process.env['TMPDIR'] = saved;
    }
  });

  it("removes the temporary directories of a run that was killed, and keeps a live run's and another namespace's", async () => {
    const dir = await tempDir('hoist-tmp-');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const space = /\[(\d+)\]/.exec(await readlink('/proc/self/ns/pid'))![1]!;
    // A run that is gone, a run that is alive, and a run of another pid namespace (a container sharing /tmp).
    const kept = [`hoist-layers-${space}-${process.pid}-GhIjKl`, `hoist-daemon-4026599999-${gone}-MnOpQr`];
    await mkdir(join(dir, `hoist-archive-${space}-${gone}-AbCdEf`));
    for (const name of kept) await mkdir(join(dir, name));
    const layout = await tempDir();
    await makeImageLayout(layout, [1024]);
    const pushed = await runHoist(['push', layout, `${registry.host}/scratch/app:1`], { env: { TMPDIR: dir } });
    expect(pushed.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(kept.sort());
  });
});
