import { readlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { PushError } from './errors.js';
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

export async function makeScratch(kind: ScratchKind): Promise<string> {
  const dir = tmpdir();
  try {
    return await mkdtemp(join(dir, `hoist-${kind}-${pidSpace()}-${process.pid}-`));
  } catch (error) {
    throw await scratchWriteFailure(error, join(dir, 'x'));
  }
}

const WRITE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS']);

/**
 * A write to a temporary file that failed, as one line naming the directory (TMPDIR, as the
 * user knows it), the room the write needed (`needed` bytes at most, when known) and the room
 * there was; any other error is given back as it is. Without it a full TMPDIR read "ENOSPC: no
 * space left on device, write", which says neither where nor how much.
 */
export async function scratchWriteFailure(error: unknown, file: string, needed?: number): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (!WRITE_FAILURES.has(code)) return error;
  const root = tmpdir();
  const dir = file.startsWith(root + sep) ? root : dirname(file);
  const where = dir === root ? `${dir} (TMPDIR)` : dir;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    // What was free before this write: what is left now and what the write took of it.
    const left = await statfs(dir).then((s) => s.bavail * s.bsize, () => undefined);
    const taken = await stat(file).then((s) => s.size, () => 0);
    const wants = needed === undefined ? 'more room' : `up to ${mib(needed)}`;
    const has = left === undefined ? '' : ` and only ${mib(left + taken)} was free`;
    return new PushError('LOCAL_FILES', `no room left in ${where} for hoist's temporary files (${code}): this needs ${wants}${has}; give TMPDIR more room or point it at a larger disk`, { cause: error });
  }
  const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be written (${code})`;
  return new PushError('LOCAL_FILES', `${where} ${why}: set TMPDIR to a directory hoist may write, with room for the image`, { cause: error });
}

/** Runs a write of `file` in a scratch directory; its failure is one line (scratchWriteFailure). */
export async function writeScratch<T>(file: string, needed: number | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw await scratchWriteFailure(error, file, needed);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
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
