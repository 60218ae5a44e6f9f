import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's own `mkdir(path, { recursive: true })` loops for ever
 * on a path under /proc (where mkdir answers ENOENT for a parent that exists), in a thread of
 * libuv's pool that neither a signal nor the run's time limit can stop: `oci:/proc/x`,
 * `XDG_CACHE_HOME=/proc/x` or `DOCKER_CONFIG=/proc/x` hung hoist at full CPU. The paths made here
 * come from users and the environment, so each missing level is made on its own, and the first
 * refusal (ENOENT, EACCES, ENOTDIR) is the answer.
 */
export async function makeDirectories(path: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(path); ; ) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && dirname(at) !== at) return undefined;
      throw error;
    });
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at });
      break;
    }
    missing.push(at);
    at = dirname(at);
  }
  for (const dir of missing.reverse()) {
    // Another process may make the same directory at the same moment: that is as good.
    await mkdir(dir, mode === undefined ? undefined : { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
