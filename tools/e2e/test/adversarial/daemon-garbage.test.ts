import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, writeLegacyArchive } from '@hoist/test-images';
import { startFakeEngine, startRegistry, type FakeEngine, type TestRegistry } from '@hoist/test-registry';
import { manifestStatus, tempDir } from '../helpers.js';
import { hoistInProcess } from '../in-process.js';

/**
 * A Docker Engine socket that answers the image lookup and then sends an export that is no tar
 * (random bytes, endless zeros) or stops part way. Each ends the push with one line naming the
 * daemon, a non-zero exit and nothing in the registry; before issue 26 the endless ones left
 * the push pending on a connection close that never came, and the process exited 0.
 */
let registry: TestRegistry;
let engine: FakeEngine;
const ID = (n: number) => `sha256:${String(n).repeat(64)}`;

beforeAll(async () => {
  const archive = join(await tempDir(), 'app.tar');
  // A layer well past the 1 MiB kept in memory, so that the cut falls inside a spooled file.
  await writeLegacyArchive(archive, { config: { rootfs: { type: 'layers', diff_ids: [] } }, layers: [{ name: 'layer.tar', content: Buffer.alloc(3 * 1024 * 1024, 7) }] });
  [registry, engine] = await Promise.all([
    startRegistry(),
    startFakeEngine({
      'team/random:1': { id: ID(1), hostile: { endless: 'random' } },
      'team/zeros:1': { id: ID(2), hostile: { endless: 'zeros' } },
      'team/cut:1': { id: ID(3), archive, hostile: { cutAt: 2 * 1024 * 1024 } },
    }),
  ]);
});
afterAll(async () => Promise.all([registry?.stop(), engine?.stop()]));

describe('docker-daemon: an export that is not a tar archive', () => {
  it.each([
    ['endless random bytes', 'team/random:1', 'sent a broken export: not a tar archive'],
    ['an endless stream of zeros', 'team/zeros:1', 'sent a broken export: not a tar archive'],
    ['an export the daemon drops part way', 'team/cut:1', 'broke off the export after'],
  ])('%s: one line naming the daemon, exit 2, nothing pushed', async (_what, image, says) => {
    const digestFile = join(await tempDir(), 'digest');
    const run = await hoistInProcess(['push', `docker-daemon:${image}`, `${registry.host}/${image}`, '--digest-file', digestFile], { DOCKER_HOST: engine.host });
    // The export's own start line, then the one line naming the daemon.
    const [exporting, ...after] = run.stderr.trim().split('\n');
    expect(exporting).toBe(`exporting docker-daemon:${image} from the daemon`);
    expect(after).toHaveLength(1);
    expect(after[0]!.startsWith(`hoist: error: docker-daemon:${image}: the Docker Engine at ${engine.host} ${says}`)).toBe(true);
    expect(run.code).toBe(2);
    expect(run.ms).toBeLessThan(10_000);
    const [repository, tag] = image.split(':') as [string, string];
    expect(await manifestStatus(registry.url, repository, tag)).toBe(404);
  });
});

describe('docker-daemon: as a destination, a load that goes wrong', () => {
  it.each([
    ['answers "Loaded image" before it read the image', 'early', 'answered before it had received the whole image; nothing is known to be loaded'],
    ['reports its failure only in errorDetail', 'errorDetail', 'did not load the image: write /var/lib/docker/tmp: no space left on device'],
  ] as const)('%s: exit 1, one line naming the daemon, no success', async (_what, load, says) => {
    const loader = await startFakeEngine({}, { load });
    try {
      const layout = await tempDir();
      // Well past what the socket holds, so that an early answer comes while the image is still going out.
      await makeImageLayout(layout, [8 * 1024 * 1024]);
      const run = await hoistInProcess(['push', layout, 'docker-daemon:team/loaded:1'], { DOCKER_HOST: loader.host });
      expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('hoist: error:'))).toEqual([`hoist: error: docker-daemon:team/loaded: the Docker daemon at ${loader.host} ${says}`]);
      expect(run.stdout).not.toContain('digest:');
      expect(run.code).toBe(1);
    } finally {
      await loader.stop();
    }
  });

  it('answers "Loaded image" for an image small enough to be sent whole before the answer: the daemon is asked, and has no such image', async () => {
    const loader = await startFakeEngine({}, { load: 'early' });
    try {
      const layout = await tempDir();
      await makeImageLayout(layout, [1024]);
      for (let round = 0; round < 3; round++) {
        const run = await hoistInProcess(['push', layout, 'docker-daemon:team/loaded:1'], { DOCKER_HOST: loader.host });
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/hoist: error: docker-daemon:team\/loaded: the Docker daemon at \S+ (answered before it had received the whole image|said it loaded the image, but team\/loaded:1 is not there)/);
      }
    } finally {
      await loader.stop();
    }
  });
});
