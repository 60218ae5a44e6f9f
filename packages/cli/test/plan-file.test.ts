import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanFile } from '../src/plan-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-plan-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function plan(text: string): Promise<string> {
  const file = join(dir, `plan-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

describe('readPlanFile', () => {
  it('reads YAML and JSON alike, a single string standing for a list of one', async () => {
    const yaml = await plan('images:\n  - source: oci:build/backend\n    destinations: [registry.corp/team/backend:1]\n    tags: latest\n  - source: app.tar\n    destinations:\n      - registry.corp/team/app:1\n      - ghcr.io/acme/app:1\n    platforms: [linux/amd64]\n');
    expect(await readPlanFile(yaml)).toEqual([
      { source: 'oci:build/backend', destinations: ['registry.corp/team/backend:1'], tags: ['latest'], platforms: [] },
      { source: 'app.tar', destinations: ['registry.corp/team/app:1', 'ghcr.io/acme/app:1'], tags: [], platforms: ['linux/amd64'] },
    ]);
    const json = await plan(JSON.stringify({ images: [{ source: 'a.tar', destinations: ['r.example/a:1'], tags: [42] }] }));
    expect(await readPlanFile(json)).toEqual([{ source: 'a.tar', destinations: ['r.example/a:1'], tags: ['42'], platforms: [] }]);
  });

  it('reads tags as written, never as numbers', async () => {
    const file = await plan('images:\n  - source: a.tar\n    destinations: r.example/a:1\n    tags: [42, 1.0, 007]\n    platforms:\n');
    expect(await readPlanFile(file)).toEqual([{ source: 'a.tar', destinations: ['r.example/a:1'], tags: ['42', '1.0', '007'], platforms: [] }]);
  });

  it.each([
    ['images: [', /^--plan .*: not YAML or JSON: /],
    ['images: []', /: needs a list of images: `images: \[\{source: \.\.\., destinations: \[\.\.\.\]\}\]`$/],
    ['images:\n  - destinations: [r.example/a:1]', /: images\[0\]: source is missing$/],
    ['images:\n  - source: a.tar', /: images\[0\]: destinations is missing$/],
    ['images:\n  - source: a.tar\n    destinations: [r.example/a:1]\n  - source: b.tar\n    destination: r.example/b:1', /: images\[1\]: unknown field destination \(known: source, destinations, tags, platforms\)$/],
    ['images:\n  - source: a.tar\n    destinations: [r.example/a:1]\n    tags: [[1], 2]', /: images\[0\]: tags must be a list of strings$/],
    ['images:\n  - source: a.tar\n    source: b.tar\n    destinations: [r.example/a:1]', /: not YAML or JSON: /],
  ])('refuses %j in one line that says where', async (text, message) => {
    const error = await readPlanFile(await plan(text)).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'UsageError' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it("reads the usage page's example as written", async () => {
    const usage = await readFile(new URL('../../../docs/usage.md', import.meta.url), 'utf8');
    const example = /^( *)```yaml\n([\s\S]*?)^\1```$/m.exec(usage);
    expect(example, 'docs/usage.md has a yaml example of a plan').not.toBeNull();
    const file = await plan(example![2]!.replace(new RegExp(`^${example![1]}`, 'gm'), ''));
    expect((await readPlanFile(file)).map((image) => [image.source, image.destinations.length, image.tags, image.platforms])).toEqual([
      ['oci:build/layout:backend', 1, ['latest'], []],
      ['docker-archive:frontend.tar', 2, [], ['linux/amd64']],
    ]);
  });

  it('says when the file cannot be read', async () => {
    await expect(readPlanFile(join(dir, 'missing.yaml'))).rejects.toThrow(/--plan .*missing\.yaml: cannot read it \(ENOENT\)$/);
  });
});
