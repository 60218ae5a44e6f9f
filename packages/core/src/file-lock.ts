import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning } from './process-alive.js';

/**
 * A lock between hoist processes on one machine, for a file read, changed and written whole
 * (a layout's index.json, a cache): `lock`, created exclusively and holding the owner's pid. A
 * lock whose owner is gone (a killed run) is taken over; a live one is waited for, up to
 * `timeoutMs`, after which `busy` says what to do.
 */
export interface FileLockOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The error for a lock held past the timeout, given its owner's pid when known. */
  busy: (owner: number | undefined) => Error;
  /** The error for a lock that cannot be made at all (a read-only directory), given the errno code. */
  unmakeable: (code: string | undefined) => Error;
}

const MAX_POLL_MS = 200;
/** A lock with no pid in it this long after it was made belongs to a process killed while making it. */
const UNNAMED_LOCK_STALE_MS = 2_000;

export async function withFileLock<T>(lock: string, options: FileLockOptions, update: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (let poll = 10; !(await tryLock(lock, options)); poll = Math.min(poll * 2, MAX_POLL_MS)) {
    const owner = await lockOwner(lock);
    if (owner === undefined ? await unnamedAndOld(lock) : !isRunning(owner)) {
      // Looked at again just before: another waiter may have taken the lock over meanwhile.
      if ((await lockOwner(lock)) === owner) await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw options.busy(owner);
    await sleep(poll, undefined, options.signal ? { signal: options.signal } : {});
  }
  try {
    return await update();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * True when the lock was taken; false when another holds it. The lock is written whole beside
 * it and linked into place, so that no one ever sees it without its pid; on a file system
 * without hard links it is created exclusively and the pid written after.
 */
async function tryLock(lock: string, options: FileLockOptions): Promise<boolean> {
  const temp = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(temp, String(process.pid), { mode: 0o644 });
    await link(temp, lock);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createExclusively(lock, options);
    throw options.unmakeable(code);
  } finally {
    await rm(temp, { force: true });
  }
}

async function createExclusively(lock: string, options: FileLockOptions): Promise<boolean> {
  try {
    const file = await open(lock, 'wx', 0o644);
    await file.writeFile(String(process.pid));
    await file.close();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw options.unmakeable(code);
  }
}

async function unnamedAndOld(lock: string): Promise<boolean> {
  const made = await stat(lock).then((s) => s.mtimeMs, () => undefined);
  return made !== undefined && Date.now() - made > UNNAMED_LOCK_STALE_MS;
}

/** The pid in the lock, or undefined when it has none (or is gone). */
async function lockOwner(lock: string): Promise<number | undefined> {
  const text = await readFile(lock, 'utf8').catch(() => '');
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
