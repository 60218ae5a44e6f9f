import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PushError } from '../errors.js';
import { isRunning } from '../process-alive.js';

/**
 * index.json is read, changed and written whole; two hoists writing refs into one layout at once
 * would each write back what they read and lose the other's ref. The update takes a lock first:
 * `index.json.lock`, created exclusively and holding the owner's pid. A lock whose owner is gone
 * (a killed run) is taken over; a live one is waited for, up to a minute.
 */
const LOCK_TIMEOUT_MS = 60_000;
const MAX_POLL_MS = 200;

export async function withIndexLock<T>(dir: string, signal: AbortSignal | undefined, update: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'index.json.lock');
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (let poll = 10; !(await tryLock(lock, dir)); poll = Math.min(poll * 2, MAX_POLL_MS)) {
    const owner = await lockOwner(lock);
    if (owner !== undefined && !isRunning(owner)) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new PushError('TIMEOUT', `oci:${dir}: index.json has been locked by another hoist${owner ? ` (pid ${owner})` : ''} for a minute; remove ${lock} if none is running`);
    }
    await sleep(poll, undefined, signal ? { signal } : {});
  }
  try {
    return await update();
  } finally {
    await rm(lock, { force: true });
  }
}

async function tryLock(lock: string, dir: string): Promise<boolean> {
  try {
    const file = await open(lock, 'wx', 0o644);
    await file.writeFile(String(process.pid));
    await file.close();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new PushError('USAGE', `oci:${dir}: cannot lock index.json: ${code}`);
  }
}

/** The pid in the lock, or undefined while its owner is still writing it (or it is gone). */
async function lockOwner(lock: string): Promise<number | undefined> {
  const text = await readFile(lock, 'utf8').catch(() => '');
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
