import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning } from './process-alive.js';

/**
 * The temporary directories hoist makes (a decompressed archive, compressed layers, a daemon's
 * export) carry the pid of the run that made them. A run killed with SIGKILL cannot remove its
 * own; the next run removes those whose run is gone, so a CI agent's $TMPDIR does not fill up
 * with them.
 */
export type ScratchKind = 'archive' | 'layers' | 'daemon';

const SCRATCH = /^hoist-(archive|layers|daemon)-(\d+)-/;

export function makeScratch(kind: ScratchKind): Promise<string> {
  return mkdtemp(join(tmpdir(), `hoist-${kind}-${process.pid}-`));
}

/** Removes the scratch directories of runs that are no longer running; best effort. */
export async function sweepStaleScratch(dir: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    const pid = Number(SCRATCH.exec(name)?.[2]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(() => removed.push(name), () => undefined);
  }
  return removed;
}
