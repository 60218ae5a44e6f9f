import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoArchive, skopeoRawManifest } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { flipByte, linesBesideStart, runHoist, runTimed, tempDir } from './helpers.js';

const run = promisify(execFile);

/** `oci:DIR[:REF]` destinations: a layout skopeo can read, written alongside registries, never half-updated. */
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => registry?.stop());

async function refsOf(dir: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
  return index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '');
}

describe('oci: destinations', () => {
  it('a directory that cannot be made under /proc fails in one line at once, and a cache there is skipped', async () => {
    // Node's recursive mkdir spins for ever on /proc, where no signal or --timeout could stop it.
    const source = await tempDir();
    await makeImageLayout(source, [4 * 1024]);
    const refused = await runTimed(['push', source, 'oci:/proc/hoist-no-such/layout', '--timeout', '30s'], 25_000);
    expect(refused.ms).toBeLessThan(20_000);
    expect(refused.code).toBe(2);
    expect(linesBesideStart(refused.stderr)).toEqual(['hoist: error: oci:/proc/hoist-no-such/layout: cannot write the layout: ENOENT']);

    const cacheInProc = await runTimed(['push', source, `${registry.host}/layout/proc-cache:1`], 25_000, { env: { XDG_CACHE_HOME: '/proc/hoist-no-such' } });
    expect(cacheInProc.ms).toBeLessThan(20_000);
    expect(cacheInProc.code).toBe(0);
  }, 60_000);

  it('a docker save pushed to a registry and a layout at once: the same image in both', async () => {
    const source = await tempDir();
    await makeImageLayout(source, [64 * 1024], 'v1');
    const archive = join(await tempDir(), 'image.tar');
    await skopeoArchive(source, 'v1', 'docker-archive', archive, 'team/app:1.0');
    const out = join(await tempDir(), 'out');
    const pushed = await runHoist(['push', archive, `oci:${out}:1.0`, `${registry.host}/layout/app:1.0`, '--json']);
    expect(pushed.code).toBe(0);
    const summary = JSON.parse(pushed.stdout.trim().split('\n').at(-1)!) as { digest: string; references: string[] };
    expect(summary.references).toEqual([`${registry.host}/layout/app:1.0`, `oci:${out}:1.0`]);
    const fromLayout = (await run('skopeo', ['inspect', '--raw', `oci:${out}:1.0`], { encoding: 'buffer' })).stdout;
    expect(sha256(fromLayout)).toBe(summary.digest);
    expect(sha256(await skopeoRawManifest(`${registry.host}/layout/app:1.0`))).toBe(summary.digest);
    // skopeo verifies every blob's digest as it copies the layout out.
    await run('skopeo', ['copy', '--quiet', `oci:${out}:1.0`, `oci:${await tempDir()}:copy`]);
  });

  it('a second push adds its ref and writes no blob twice', async () => {
    const source = await tempDir();
    await makeImageLayout(source, [32 * 1024]);
    const out = join(await tempDir(), 'out');
    expect((await runHoist(['push', source, `oci:${out}:a`])).code).toBe(0);
    const again = await runHoist(['push', source, `oci:${out}:b`, '-t', 'c']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`oci:${out}: 0 uploaded (0 B), 0 mounted, 2 already present; tags b, c`);
    expect(await refsOf(out)).toEqual(['a', 'b', 'c']);
  });

  it('a failed push leaves index.json as it was', async () => {
    const source = await tempDir();
    const image = await makeImageLayout(source, [32 * 1024]);
    const out = join(await tempDir(), 'out');
    expect((await runHoist(['push', source, `oci:${out}:good`])).code).toBe(0);
    const before = await readFile(join(out, 'index.json'), 'utf8');
    const other = await tempDir();
    const corrupt = await makeImageLayout(other, [16 * 1024]);
    await flipByte(corrupt.writer.blobPath(corrupt.layers[0]!.digest), 20);
    const failed = await runHoist(['push', other, `oci:${out}:good`]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('is corrupt in the source');
    expect(await readFile(join(out, 'index.json'), 'utf8')).toBe(before);
    expect(JSON.parse(before).manifests[0].digest).toBe(image.manifest.digest);
  });
});
