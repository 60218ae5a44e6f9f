import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's global setup for every package: the run gets a directory of its own as TMPDIR
 * (the test workers, the registries and the hoist processes they start inherit it), removed when
 * the run ends. Whatever a test leaves in the temporary directory goes with it: a CI agent that
 * runs the suite many times must not fill its /tmp.
 */
export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-test-'));
  process.env['TMPDIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
