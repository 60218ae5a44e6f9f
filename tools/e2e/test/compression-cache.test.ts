import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, tarOf, writeLegacyArchive } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * The on-disk compression cache says which blob an uncompressed layer became. A cache that
 * arrived from elsewhere (CI systems restore `~/.cache` between builds) must not be able to point
 * a layer at an unrelated blob the registry holds: entries are sealed with a key of this
 * machine's user, kept outside the cache directory, and an entry whose seal fails is not used.
 */
let registry: TestRegistry;
let archive: string;
let unrelated: { digest: string; size: number };

beforeAll(async () => {
  registry = await startRegistry();
  archive = join(await tempDir(), 'image.tar');
  const layer = tarOf([{ name: 'app/server.js', content: Buffer.from('console.log("the real layer");\n'.repeat(2000)) }]);
  await writeLegacyArchive(archive, { config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }, layers: [{ name: 'l1/layer.tar', content: layer }] });
  // Another image in the same repository: its layer is the blob a poisoned entry points at.
  const other = await tempDir();
  const image = await makeImageLayout(other, [32 * 1024]);
  unrelated = image.layers[0]!;
  expect((await runHoist(['push', other, `${registry.host}/poison/app:other`])).code).toBe(0);
});
afterAll(async () => registry?.stop());

/** A pipeline's agent: one home whose cache and state directories persist between runs. */
async function agentHome(): Promise<{ env: Record<string, string>; cacheFile: string }> {
  const home = await tempDir('hoist-agent-');
  return { env: { HOME: home, XDG_CACHE_HOME: join(home, '.cache') }, cacheFile: join(home, '.cache', 'hoist', 'compressed-layers.json') };
}

async function layerOf(tag: string): Promise<string> {
  const manifest = JSON.parse((await skopeoRawManifest(`${registry.host}/poison/app:${tag}`)).toString()) as { layers: { digest: string }[] };
  return manifest.layers[0]!.digest;
}

function compressions(stdout: string): { cached: boolean }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string; cached: boolean })
    .filter((event) => event.type === 'layer-compressed');
}

describe('the compression cache on disk', () => {
  it('a re-push from the same agent trusts its own entry and compresses nothing', async () => {
    const agent = await agentHome();
    expect((await runHoist(['push', archive, `${registry.host}/poison/app:first`], { env: agent.env })).code).toBe(0);
    const again = await runHoist(['push', '--json', archive, `${registry.host}/poison/app:again`], { env: agent.env });
    expect(again.code).toBe(0);
    expect(compressions(again.stdout)).toEqual([expect.objectContaining({ cached: true })]);
    expect(await layerOf('again')).toBe(await layerOf('first'));
  });

  it('a cache carried over from another agent (a CI cache restore) is not trusted there', async () => {
    const [first, second] = [await agentHome(), await agentHome()];
    expect((await runHoist(['push', archive, `${registry.host}/poison/app:agent-a`], { env: first.env })).code).toBe(0);
    await mkdir(dirname(second.cacheFile), { recursive: true });
    await copyFile(first.cacheFile, second.cacheFile);
    const run = await runHoist(['push', '--json', archive, `${registry.host}/poison/app:agent-b`], { env: second.env });
    expect(run.code).toBe(0);
    expect(compressions(run.stdout)).toEqual([expect.objectContaining({ cached: false })]);
  });

  it.each([
    ['keeps the old seal', (entry: Record<string, unknown>) => ({ ...entry, digest: unrelated.digest, size: unrelated.size })],
    ['has no seal', () => ({ digest: unrelated.digest, size: unrelated.size })],
  ])('an entry pointing the layer at an unrelated blob that %s is not used: the layer is compressed again', async (_, poison) => {
    const agent = await agentHome();
    expect((await runHoist(['push', archive, `${registry.host}/poison/app:genuine`], { env: agent.env })).code).toBe(0);
    const entries = JSON.parse(await readFile(agent.cacheFile, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(entries)).toHaveLength(1);
    for (const key of Object.keys(entries)) entries[key] = poison(entries[key]!);
    await writeFile(agent.cacheFile, JSON.stringify(entries));

    const run = await runHoist(['push', '--json', archive, `${registry.host}/poison/app:after`], { env: agent.env });
    expect(run.code).toBe(0);
    expect(compressions(run.stdout)).toEqual([expect.objectContaining({ cached: false })]);
    expect(await layerOf('after')).toBe(await layerOf('genuine'));
    expect(await layerOf('after')).not.toBe(unrelated.digest);
  });
});
