import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { HOIST_BIN, manifestStatus, runHoist, startHoist, tempDir } from '../helpers.js';

/**
 * How the hoist process ends, seen from outside, through the real bin (and the single-file
 * build, which bundles the same launcher): a command whose work never settles cannot exit 0.
 * The genuine case: a plugin adapter whose resolveCredentials returns a promise that never
 * settles, against a registry that asks for credentials. Nothing then holds the event loop
 * open; before issue 26 Node exited 0 with nothing pushed.
 */
const BUNDLE = fileURLToPath(new URL('../../../../packages/cli/dist/hoist.cjs', import.meta.url));
let registry: TestRegistry;
let layout: string;
let adapter: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd' });
  layout = join(await tempDir(), 'layout');
  await makeImageLayout(layout, [1024]);
  adapter = join(await tempDir(), 'never-answers.mjs');
  await writeFile(
    adapter,
    `export default () => ({
      name: 'never-answers',
      matches: () => true,
      capabilities: () => ({ upload: 'monolithic', mount: false }),
      resolveCredentials: () => new Promise(() => {}),
    });\n`,
  );
});
afterAll(async () => registry?.stop());

describe('a command whose work never settles', () => {
  it.each([
    ['bin/hoist.cjs', undefined],
    ['dist/hoist.cjs (the single file)', BUNDLE],
  ])('%s: exit 1 and one line saying the push did not finish, never exit 0', async (_what, bin) => {
    const digestFile = join(await tempDir(), 'digest');
    const args = ['push', '--adapter', adapter, `oci:${layout}`, `${registry.host}/team/never:1`, '--digest-file', digestFile];
    const run = await runHoist(args, bin ? { bin } : {});
    // The first line is the notice that --adapter loaded code from outside hoist, the push's start line next; then the one error line.
    const [notice, start, ...rest] = run.stderr.split('\n');
    expect(notice).toMatch(/^hoist: adapters loaded from outside hoist: never-answers /);
    expect(start).toMatch(/^pushing oci:.* to /);
    expect(rest.join('\n')).toMatch(/^hoist: internal error: hoist push did not finish: [^\n]+\n$/);
    expect(run.code).toBe(1);
    expect(await manifestStatus(registry.url, 'team/never', '1', `Basic ${Buffer.from(`hoist:${registry.users['hoist']}`).toString('base64')}`)).toBe(404);
  });
});

describe('a standard output that goes away or fills up', () => {
  it('hoist adapters | head -1: the reader leaving ends it quietly, as the work decided (exit 0, no stack trace)', async () => {
    const started = await startHoist(['adapters']);
    // The reader is gone before the first line: every write meets a closed pipe (EPIPE).
    started.child.stdout!.destroy();
    const run = await started.done;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('hoist --version > /dev/full: the lost result fails the run with one line', async () => {
    const child = spawn(process.execPath, [HOIST_BIN, '--version'], { stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).toBe("hoist: error: standard output could not be written (ENOSPC): this run's results are lost; give it a file system with room\n");
    expect(code).toBe(1);
  });
});
