import { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { main } from '@hoist/cli';

export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** hoist's `main()` in this process, with its own environment and captured output: no process start-up per case. */
export async function runMain(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<MainRun> {
  const text = { stdout: '', stderr: '' };
  const sink = (key: keyof typeof text) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text[key] += chunk.toString();
        done();
      },
    });
  const code = await main(argv, { stdout: sink('stdout'), stderr: sink('stderr'), stdin: Readable.from([]), env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env } });
  return { code, ...text };
}
