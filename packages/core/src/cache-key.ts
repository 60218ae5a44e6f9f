import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeDirectories } from './make-directories.js';

/**
 * A secret of this machine's user that seals the cache entries hoist must be able to trust
 * (which compressed blob a layer became). It lives in the state directory, not beside the caches:
 * CI systems carry `~/.cache` from build to build, and an entry that came that way, from
 * wherever, was sealed with another key (or none) and is not used. Whoever may write this file
 * may write the caches too; the seal keeps out only caches that arrived from elsewhere.
 */
export function cacheKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(base, 'hoist', 'cache-key');
}

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** The key, made on first use; undefined when it can be neither read nor made (nothing is then trusted). */
export async function cacheKey(file: string = cacheKeyFile()): Promise<Buffer | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing !== undefined) return KEY_PATTERN.test(existing.trim()) ? Buffer.from(existing.trim(), 'hex') : undefined;
    // Written whole elsewhere, then linked into place: of two processes making it at once, one
    // links and both read what it wrote, never a file still empty.
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await makeDirectories(dirname(file), 0o700);
      await writeFile(temp, randomBytes(32).toString('hex'), { mode: 0o600 });
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    } finally {
      await rm(temp, { force: true });
    }
  }
  return undefined;
}
