import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeImageLayout, makeIndexLayout, sha256, singleFileTar } from '../src/index.js';

describe('test images', () => {
  it('writes a tar that GNU tar lists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-tar-'));
    const file = join(dir, 'one.tar');
    await writeFile(file, singleFileTar('data.bin', Buffer.alloc(1000, 7)));
    expect(execFileSync('tar', ['-tvf', file], { encoding: 'utf8' })).toMatch(/-rw-r--r-- .* 1000 .* data\.bin/);
  });

  it('writes layers whose diff_ids in the config match the uncompressed tar', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-layout-'));
    const image = await makeImageLayout(dir, [4096, 100], 'v1');
    const config = JSON.parse(await readFile(image.writer.blobPath(image.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] } };
    const diffIds = await Promise.all(image.layers.map(async (l) => sha256(gunzipSync(await readFile(image.writer.blobPath(l.digest))))));
    expect(config.rootfs.diff_ids).toEqual(diffIds);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests).toEqual([expect.objectContaining({ digest: image.manifest.digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } })]);
    expect(sha256(await readFile(image.writer.blobPath(image.manifest.digest)))).toBe(image.manifest.digest);
  });

  it('nests an index inside the index on request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-layout-'));
    const { index, images } = await makeIndexLayout(dir, { nested: true });
    const root = JSON.parse(await readFile(join(dir, 'blobs', 'sha256', index.digest.slice(7)), 'utf8')) as { manifests: { mediaType: string; digest: string }[] };
    expect(root.manifests[0]!.digest).toBe(images[0]!.manifest.digest);
    expect(root.manifests[1]!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });
});
