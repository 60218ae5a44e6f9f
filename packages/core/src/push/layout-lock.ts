import { join } from 'node:path';
import { PushError } from '../errors.js';
import { withFileLock } from '../file-lock.js';

/**
 * index.json is read, changed and written whole; two hoists writing refs into one layout at once
 * would each write back what they read and lose the other's ref. The update takes the layout's
 * lock first, `index.json.lock`, waiting up to a minute for another hoist to finish.
 */
const LOCK_TIMEOUT_MS = 60_000;

export async function withIndexLock<T>(dir: string, signal: AbortSignal | undefined, update: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'index.json.lock');
  return withFileLock(
    lock,
    {
      timeoutMs: LOCK_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
      busy: (owner) => new PushError('TIMEOUT', `oci:${dir}: index.json has been locked by another hoist${owner ? ` (pid ${owner})` : ''} for a minute; remove ${lock} if none is running`),
      unmakeable: (code) => new PushError('USAGE', `oci:${dir}: cannot lock index.json: ${code}`),
    },
    update,
  );
}
