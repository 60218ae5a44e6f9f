import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSyncPlan } from '../src/sync-plan-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-sync-plan-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function plan(text: string): Promise<string> {
  const file = join(dir, `plan-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

describe('readSyncPlan', () => {
  it("reads the usage page's example as written, beside a push plan's images", async () => {
    const usage = await readFile(new URL('../../../docs/usage.md', import.meta.url), 'utf8');
    const example = [...usage.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].find((m) => m[2]!.includes('sync:'));
    expect(example, 'docs/usage.md has a yaml example of a sync section').toBeDefined();
    const text = example![2]!.replace(new RegExp(`^${example![1]}`, 'gm'), '');
    const file = await plan(`images:\n  - source: a.tar\n    destinations: [r.example/a:1]\n${text}`);
    expect(await readSyncPlan(file)).toEqual([
      { sources: ['docker.io/library/alpine'], destination: 'registry.example.com/mirror', selection: { semver: '>=3.19', newest: 3 }, platforms: [] },
      {
        sources: ['docker.io/library/busybox:1.36', 'quay.io/prometheus/node-exporter:v1.8.2'],
        destination: 'registry.example.com/mirror',
        selection: {},
        platforms: ['linux/amd64', 'linux/arm64'],
      },
    ]);
  });

  it('keeps a tag pattern as written (a string, never a number)', async () => {
    const file = await plan("sync:\n  - source: r.example/app\n    destination: m.example/mirror\n    tags: '1\\.0'\n");
    expect((await readSyncPlan(file))[0]!.selection).toEqual({ pattern: '1\\.0' });
  });

  it.each([
    ['images:\n  - source: a.tar\n    destinations: [r.example/a:1]', /: needs a list of sync entries: `sync: \[\{source: REPOSITORY, destination: REGISTRY\/PREFIX\}\]`$/],
    ['sync:\n  - destination: m.example', /: sync\[0\]: source is missing$/],
    ['sync:\n  - source: r.example/app', /: sync\[0\]: destination is missing \(a registry, and a path prefix if you like\)$/],
    ['sync:\n  - source: r.example/app\n    destination: m.example\n    newest: many', /: sync\[0\]: newest takes a whole number from 1, not "many"$/],
    ['sync:\n  - source: r.example/app\n    destination: m.example\n    semver: [1, 2]', /: sync\[0\]: semver must be a string$/],
    ['sync:\n  - source: r.example/app\n    destinations: [m.example]', /: sync\[0\]: unknown field destinations \(known: source, destination, tags, semver, newest, platforms\)$/],
  ])('refuses %j in one line that says where', async (text, message) => {
    const error = await readSyncPlan(await plan(text)).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'UsageError' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
