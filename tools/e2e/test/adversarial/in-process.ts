import { PassThrough } from 'node:stream';
import { main } from '@hoist/cli';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `hoist ARGS` as a call of the CLI's own `main` in the test's process: no node start, no
 * module loading per run. For tests about what a command does; a test about the process itself
 * (its exit when the event loop drains, a signal) starts the real bin (helpers.ts, startHoist).
 */
export async function runInProcess(args: readonly string[], env: Record<string, string> = {}): Promise<InProcessRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const started = Date.now();
  const code = await main(args, { stdout, stderr, stdin: new PassThrough().end(), env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env } });
  return { code, stdout: out, stderr: err, ms: Date.now() - started };
}
