import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/**
 * hoist's caches on one agent, written by several hoist processes at once: each is a real Node.js
 * process running @hoist/core's build, as parallel pipeline stages are.
 */
const CORE = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url));

/**
 * A process that learns `count` entries one by one, saving after each, as a long push does:
 * blob locations, or compression results (sealed with the machine's cache key); `count` 0
 * learns until killed. It opens the cache, says so, and starts when told: processes started
 * together have all read the cache before any of them writes it.
 */
const CHILD = `
const [core, kind, file, prefix, count] = process.argv.slice(1);
const hoist = await import(core);
const cache = kind === 'locations' ? await hoist.fileBlobLocations(file) : await hoist.fileCompressionCache(file, file + '.key');
process.stdout.write('ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
for (let i = 0; Number(count) === 0 || i < Number(count); i++) {
  const digest = 'sha256:' + prefix + '-' + i;
  if (kind === 'locations') cache.remember('registry.test', prefix + '/app', digest);
  else cache.remember(digest + ' gzip-1', { digest, size: i });
  await cache.save();
}
`;

function learn(kind: 'locations' | 'compression', file: string, prefix: string, count: number) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, CORE, kind, file, prefix, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const done = new Promise<void>((resolve, reject) =>
    child.once('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`)))),
  );
  return { child, ready, done, go: () => child.stdin.end('go\n') };
}

/** Starts the learners together, once each has read the cache. */
async function together(learners: ReturnType<typeof learn>[]): Promise<void> {
  await Promise.all(learners.map((l) => l.ready));
  for (const l of learners) l.go();
  await Promise.all(learners.map((l) => l.done));
}

const keysOf = async (file: string) => Object.keys(JSON.parse(await readFile(file, 'utf8')) as object);

describe('caches shared by hoist processes on one agent', () => {
  it.each(['locations', 'compression'] as const)('two processes saving %s at once each keep the other\'s 50 entries', async (kind) => {
    const file = join(await tempDir(), 'cache.json');
    await together([learn(kind, file, 'one', 50), learn(kind, file, 'two', 50)]);
    const keys = await keysOf(file);
    for (const prefix of ['one', 'two']) expect(keys.filter((k) => k.startsWith(`sha256:${prefix}-`)), prefix).toHaveLength(50);
  });

  it('a process killed while saving leaves a whole file, and the next one takes its lock over', async () => {
    const file = join(await tempDir(), 'blob-locations.json');
    await writeFile(file, '{}');
    for (let round = 0; round < 5; round++) {
      const busy = learn('locations', file, `killed${round}`, 0);
      await busy.ready;
      busy.go();
      // Once it is saving over and over, kill it at a moment that differs each round.
      while (!(await keysOf(file)).some((k) => k.startsWith(`sha256:killed${round}-`))) await sleep(10);
      await sleep(round * 7);
      busy.child.kill('SIGKILL');
      await busy.done;
      // Whatever moment it died at, the file parses, with what the killed one saved before.
      expect((await keysOf(file)).filter((k) => k.startsWith(`sha256:killed${round}-`)).length).toBeGreaterThan(0);
      await together([learn('locations', file, `after${round}`, 1)]);
      expect(await keysOf(file)).toContain(`sha256:after${round}-0`);
    }
  });
});
