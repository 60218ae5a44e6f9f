import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocker25Archive, sha256, skopeoRawManifest, type Docker25Archive } from '@hoist/test-images';
import { startFakeEngine, startRegistry, type FakeEngine, type TestRegistry } from '@hoist/test-registry';
import { interrupt, manifestStatus, runHoist, startHoist, tempDir, waitUntil } from './helpers.js';

/**
 * Docker 25+ with the containerd image store exports an OCI layout whose layers are already
 * gzip'd, as pulled. No such daemon runs here (Debian's dockerd is 20.10), so the two Engine API
 * calls are answered by a protocol-level fake from an archive in exactly that shape; everything
 * on hoist's side (the Engine API client, the streamed export, the push) is the real thing.
 */
let registry: TestRegistry;
let engine: FakeEngine;
let archive: Docker25Archive;

beforeAll(async () => {
  const file = join(await tempDir(), 'containerd-export.tar');
  archive = await makeDocker25Archive(await tempDir(), file, { containerd: true, compressedLayers: true });
  [registry, engine] = await Promise.all([
    startRegistry(),
    startFakeEngine({ 'team/app:1.0': { id: archive.root.digest, archive: file }, 'team/slow:1.0': { id: `sha256:${'5'.repeat(64)}`, archive: file, delayMs: 5_000 } }),
  ]);
});
afterAll(async () => Promise.all([registry?.stop(), engine?.stop()]));

describe('docker-daemon: with the containerd image store', () => {
  it('pushes the blobs it exports compressed as they are: the index keeps its digest', async () => {
    const run = await runHoist(['push', '-q', 'docker-daemon:team/app:1.0', `${registry.host}/team/app:1.0`], { env: { DOCKER_HOST: engine.host } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${archive.root.digest}\n`);
    expect(sha256(await skopeoRawManifest(`${registry.host}/team/app:1.0`))).toBe(archive.root.digest);
    for (const image of archive.images) {
      const manifest = JSON.parse((await skopeoRawManifest(`${registry.host}/team/app@${image.manifest.digest}`)).toString()) as { layers: { digest: string; size: number }[] };
      expect(manifest.layers).toEqual(image.layers.map((l) => expect.objectContaining({ digest: l.digest, size: l.size })));
      expect(image.layers.every((l) => l.size > 1024 * 1024)).toBe(true);
    }
  });
});

describe('docker-daemon: interrupted while the daemon stages its export', () => {
  it('stops at once on SIGTERM: exit 143, no tag, no scratch files left', async () => {
    const scratch = await tempDir('hoist-scratch-');
    const started = await startHoist(['push', 'docker-daemon:team/slow:1.0', `${registry.host}/team/slow:1.0`], { env: { DOCKER_HOST: engine.host, TMPDIR: scratch } });
    // The export's first byte is 5 s away; once hoist has made its scratch directory it is waiting for it.
    await waitUntil(async () => (await readdir(scratch)).length > 0, 'the scratch directory');
    const run = await interrupt(started, 'SIGTERM');
    expect(run.ms).toBeLessThan(2_000);
    expect(run.code).toBe(143);
    expect(run.stderr).toContain('interrupted by SIGTERM');
    expect(await manifestStatus(registry.url, 'team/slow', '1.0')).toBe(404);
    expect(await readdir(scratch)).toEqual([]);
  });
});
