import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, skopeoRawManifest, tarOf, writeLegacyArchive } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, runHoist, tempDir } from './helpers.js';

/**
 * `--compression zstd`, on whichever Node.js runs the suite (CI runs it on 20 and on 24): where
 * node:zlib has zstd, layers go up as tar+zstd that zstd(1) decompresses to their diffIDs;
 * where it has not, one line says which Node.js is needed, and nothing is pushed.
 */
const run = promisify(execFile);
const HAS_ZSTD = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';
let registry: TestRegistry;
let archive: string;
let diffId: string;

beforeAll(async () => {
  registry = await startRegistry();
  archive = join(await tempDir(), 'image.tar');
  const layer = tarOf([{ name: 'etc/app.conf', content: Buffer.from('key = value, compressible\n'.repeat(20_000)) }]);
  diffId = sha256(layer);
  await writeLegacyArchive(archive, { config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }, layers: [{ name: 'l1/layer.tar', content: layer }] });
});
afterAll(async () => registry?.stop());

describe(`--compression zstd on Node.js ${process.version}`, () => {
  it(HAS_ZSTD ? 'sends tar+zstd layers that zstd(1) decompresses to their diffID' : 'is refused in one line naming the Node.js it needs, exit 2, nothing pushed', async () => {
    const pushed = await runHoist(['push', '--compression', 'zstd', archive, `${registry.host}/zstd/app:1`]);
    if (!HAS_ZSTD) {
      expect(pushed.code).toBe(2);
      expect(pushed.stderr.trim()).toBe(`hoist: error: --compression zstd needs Node.js 22.15 or later (this is ${process.version}); use gzip (see hoist push --help)`);
      expect(await manifestStatus(registry.url, 'zstd/app', '1')).toBe(404);
      return;
    }
    expect(pushed.stderr).not.toContain('error');
    expect(pushed.code).toBe(0);
    const manifest = JSON.parse((await skopeoRawManifest(`${registry.host}/zstd/app:1`)).toString()) as { layers: { mediaType: string; digest: string }[] };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd']);
    const blob = await fetch(`${registry.url}/v2/zstd/app/blobs/${manifest.layers[0]!.digest}`).then(async (r) => Buffer.from(await r.arrayBuffer()));
    const file = join(await tempDir(), 'layer.zst');
    await writeFile(file, blob);
    const { stdout } = await run('zstd', ['-dc', file], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(diffId);
  });
});
