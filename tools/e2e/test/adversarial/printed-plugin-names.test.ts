import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { hoistInProcess } from '../in-process.js';

/**
 * What a plugin calls itself is text from outside hoist, like a registry's: `hoist adapters`
 * lists it, and every run that loads it names it. A name with ESC, a line break or a C1 control
 * must come out escaped, plain and in --json, as linesOf and jsonLine print everything else.
 */
const NAME = 'evil\u001b[2J\nhoist: pushed OK\u009b31m\u2028';

async function plugin(): Promise<string> {
  const file = join(await tempDir(), 'named-plugin.mjs');
  await writeFile(file, `export default () => ({ name: ${JSON.stringify(NAME)}, matches: () => false, resolveCredentials: async () => undefined, capabilities: () => ({ upload: 'monolithic', mount: false }) });\n`);
  return file;
}

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const RAW = /[\u001b\u0080-\u009f\u2028\u2029]/;

describe("a plugin's name is printed escaped", () => {
  it('hoist adapters, plain and --json', async () => {
    const file = await plugin();
    const plain = await hoistInProcess(['adapters', '--adapter', file]);
    const json = await hoistInProcess(['adapters', '--adapter', file, '--json']);
    for (const run of [plain, json]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toMatch(RAW);
      expect(run.stdout).not.toMatch(/^hoist: pushed OK/m);
    }
    expect(plain.stdout).toContain('evil\\u001b[2J\\nhoist: pushed OK\\u009b31m\\u2028');
    expect((JSON.parse(json.stdout) as { adapters: { name: string }[] }).adapters.map((a) => a.name)).toContain(NAME);
  });

  it('the notice of a run that loads it, and its adapters event with --json', async () => {
    const file = await plugin();
    const run = await hoistInProcess(['ls', '127.0.0.1:1/x', '--adapter', file, '--json', '--retries', '0']);
    expect(run.stdout + run.stderr).not.toMatch(RAW);
    const event = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; thirdParty?: { name: string }[] }).find((e) => e.type === 'adapters');
    expect(event?.thirdParty?.[0]?.name).toBe(NAME);
  });
});
