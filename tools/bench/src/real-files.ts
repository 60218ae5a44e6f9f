import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Real files as Debian installs them, so that compression does real work (random bytes would be stored). */
const REAL_TREES = ['/usr/lib/python3.11', '/usr/lib/cni', '/usr/lib/postgresql', '/usr/share/doc', '/usr/lib/x86_64-linux-gnu', '/usr/share'];

/** The regular files of the machine's real trees, in a stable order, each taken once. */
export async function* realFiles(): AsyncGenerator<{ path: string; size: number }> {
  for (const tree of REAL_TREES) if (await isDirectory(tree)) yield* walk(tree);
}

/** Copies the next files of `files` into `dir` (flat, as f0, f1, ...) until `budget` bytes are there. */
export async function copyRealFiles(dir: string, budget: number, files: AsyncGenerator<{ path: string; size: number }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  let size = 0;
  for (let n = 0; size < budget; n++) {
    const next = await files.next();
    if (next.done) break;
    await copyFile(next.value.path, join(dir, `f${n}`));
    size += next.value.size;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function* walk(dir: string): AsyncGenerator<{ path: string; size: number }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield { path, size: (await stat(path)).size };
  }
}
