import { readlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning } from './process-alive.js';

/**
 * The temporary directories hoist makes (a decompressed archive, compressed layers, a daemon's
 * export) carry the pid of the run that made them, and which pids that pid is one of. A run
 * killed with SIGKILL cannot remove its own; the next run removes those whose run is gone, so a
 * CI agent's $TMPDIR does not fill up with them. Only directories made in this run's own pid
 * namespace are judged: containers sharing a /tmp each number their processes from 1, and a
 * live push in one must not lose its files to a sweep in another.
 */
export type ScratchKind = 'archive' | 'layers' | 'daemon';

const SCRATCH = /^hoist-(archive|layers|daemon)-([a-z0-9]+)-(\d+)-/;

export function makeScratch(kind: ScratchKind): Promise<string> {
  return mkdtemp(join(tmpdir(), `hoist-${kind}-${pidSpace()}-${process.pid}-`));
}

/** Removes the scratch directories of runs that are no longer running; best effort. */
export async function sweepStaleScratch(dir: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  const space = pidSpace();
  for (const name of await readdir(dir).catch(() => [])) {
    const match = SCRATCH.exec(name);
    const pid = Number(match?.[3]);
    if (!match || match[2] !== space || !pid || pid === process.pid || isRunning(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(() => removed.push(name), () => undefined);
  }
  return removed;
}

/** This process's pid namespace (Linux), else its host: what a pid in a directory name is relative to. */
function pidSpace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]!;
  } catch {
    return hostname().toLowerCase().replace(/[^a-z0-9]/g, '') || 'host';
  }
}
