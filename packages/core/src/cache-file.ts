import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { withFileLock } from './file-lock.js';
import { makeDirectories } from './make-directories.js';

/**
 * The small JSON caches hoist keeps in the user's cache directory: read whole, written whole
 * and atomically (a temp file renamed into place), private to the user. A cache that cannot be
 * read starts empty; one that cannot be written is skipped: a push must not fail for a cache.
 * Several hoists on one agent share them: each saves by merging what it learnt into the file
 * as it is at that moment, under the file's lock (updateJsonObject).
 */
export function cacheFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'hoist', name);
}

export async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Missing or damaged: start afresh.
  }
  return {};
}

async function writeJsonAtomically(file: string, value: unknown): Promise<boolean> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await makeDirectories(dirname(file));
    await writeFile(temp, JSON.stringify(value), { mode: 0o600 });
    await rename(temp, file);
    return true;
  } catch {
    // A full disk leaves a part-written temp file: not left to fill the cache directory further.
    await rm(temp, { force: true }).catch(() => undefined);
    return false;
  }
}

/** Another hoist saving the same cache is done in milliseconds; past this, this run's entries are dropped. */
const CACHE_LOCK_TIMEOUT_MS = 5_000;

/**
 * Reads the cache as it is now, lets `merge` add this run's entries, and writes the result, all
 * under `<file>.lock`, so that hoists saving at once keep each other's entries. A process killed
 * at any point leaves the old file or the new one, never a torn one (the write is a rename),
 * and a lock whose owner died is taken over. False when the cache could not be saved.
 */
export async function updateJsonObject(file: string, merge: (current: Record<string, unknown>) => Record<string, unknown>): Promise<boolean> {
  const skip = () => new Error(`cache ${file} not saved`);
  try {
    await makeDirectories(dirname(file));
    return await withFileLock(`${file}.lock`, { timeoutMs: CACHE_LOCK_TIMEOUT_MS, busy: skip, unmakeable: skip }, async () => writeJsonAtomically(file, merge(await readJsonObject(file))));
  } catch {
    return false;
  }
}

/** The newest `max` keys of an insertion-ordered record (re-inserted keys count as newest). */
export function newest<T>(record: Record<string, T>, max: number): Record<string, T> {
  const keys = Object.keys(record);
  const kept: Record<string, T> = {};
  for (const key of keys.slice(Math.max(keys.length - max, 0))) kept[key] = record[key]!;
  return kept;
}
