import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '@hoist/cli';
import { tempDir } from './helpers.js';

/**
 * `hoist ARGS` run in this process through the CLI's own entry (main), with the same clean
 * environment startHoist gives a child: for cases about what hoist sends and prints, not about
 * the process, at a fraction of a spawn's cost.
 */
export async function hoistInProcess(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const home = await tempDir('hoist-home-');
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const collect = (stream: PassThrough) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const [out, err] = [collect(stdout), collect(stderr)];
  const started = Date.now();
  const code = await main(args, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, DOCKER_CONFIG: join(home, '.docker'), XDG_CACHE_HOME: join(home, '.cache'), ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout: out(), stderr: err(), ms: Date.now() - started };
}
