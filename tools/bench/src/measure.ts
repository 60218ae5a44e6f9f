import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one command cost: wall and CPU seconds (user + sys, the client's own), peak RSS. */
export interface Cost {
  wall: number;
  cpu: number;
  rssMiB: number;
}

/** Runs a command under GNU time, which reports the child's own rusage. */
export async function measure(command: string, args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Cost> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-bench-time-'));
  const out = join(dir, 'time');
  try {
    const child = run('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, command, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...options.env } });
    if (options.input !== undefined) child.child.stdin?.end(options.input);
    await child;
    const [wall, user, sys, rssKiB] = (await readFile(out, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number, number];
    return { wall, cpu: user + sys, rssMiB: rssKiB / 1024 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function medianCost(costs: readonly Cost[]): Cost {
  return { wall: median(costs.map((c) => c.wall)), cpu: median(costs.map((c) => c.cpu)), rssMiB: Math.max(...costs.map((c) => c.rssMiB)) };
}

/** Commands run one after another: their wall and CPU times add up; the peak RSS is the largest. */
export function sequentialCost(costs: readonly Cost[]): Cost {
  return { wall: sum(costs.map((c) => c.wall)), cpu: sum(costs.map((c) => c.cpu)), rssMiB: Math.max(...costs.map((c) => c.rssMiB)) };
}

/** Commands run all at once: the slowest sets the wall time; CPU times add up. */
export function concurrentCost(costs: readonly Cost[]): Cost {
  return { wall: Math.max(...costs.map((c) => c.wall)), cpu: sum(costs.map((c) => c.cpu)), rssMiB: Math.max(...costs.map((c) => c.rssMiB)) };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
