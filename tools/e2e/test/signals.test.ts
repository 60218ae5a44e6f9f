import { createWriteStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { interrupt, startHoist, tempDir, waitUntil } from './helpers.js';

/**
 * Signals at the moments issue 13 found them lost: while a gzip'd archive is decompressed (before
 * the push session exists), and while a layout destination waits to write its refs.
 */
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => registry?.stop());

describe('signals before the push session exists', () => {
  it('SIGTERM while a gzip\'d archive is decompressed ends hoist at once: exit 143, no temporary files', async () => {
    // 2 GiB of zeros gzip to a few MiB: decompressing them takes seconds.
    const archive = join(await tempDir(), 'image.tar.gz');
    const zeros = Buffer.alloc(1024 * 1024);
    await pipeline(Readable.from((function* () { for (let i = 0; i < 2048; i++) yield zeros; })()), createGzip({ level: 1 }), createWriteStream(archive));
    const scratch = await tempDir('hoist-scratch-');
    const started = await startHoist(['push', archive, `${registry.host}/signals/archive:1`], { env: { TMPDIR: scratch } });
    await waitUntil(async () => (await readdir(scratch)).length > 0 && (await readdir(join(scratch, (await readdir(scratch))[0]!))).length > 0, 'decompression');
    const run = await interrupt(started, 'SIGTERM');
    expect(run.ms).toBeLessThan(2_000);
    expect(run.code).toBe(143);
    expect(run.stderr).toContain('interrupted by SIGTERM');
    expect(await readdir(scratch)).toEqual([]);
  });
});

describe('signals while a layout destination waits', () => {
  it('SIGINT while index.json is locked by another writer: exit 130, no ref written, the other lock kept', async () => {
    const source = await tempDir();
    await makeImageLayout(source, [4 * 1024]);
    const out = await tempDir();
    // A live writer (this test's own process) holds the lock.
    await writeFile(join(out, 'index.json.lock'), String(process.pid));
    const started = await startHoist(['push', source, `oci:${out}:v1`]);
    await waitUntil(async () => (await stat(join(out, 'oci-layout')).catch(() => undefined)) !== undefined, 'the layout content');
    await new Promise((r) => setTimeout(r, 300));
    const run = await interrupt(started, 'SIGINT');
    expect(run.ms).toBeLessThan(2_000);
    expect(run.code).toBe(130);
    expect(await readdir(out)).not.toContain('index.json');
    expect(await readdir(out)).toContain('index.json.lock');
  });
});
