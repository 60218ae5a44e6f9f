import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A root filesystem of the shared libraries `binary` loads (as `ldd` lists them), copied from
 * this machine: the kind of base a distroless "cc" image is, made from what the machine has.
 * The libraries land at the paths ldd names, the dynamic loader included; `/tmp` is there too.
 */
export async function sharedLibraryRootfs(dir: string, binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libraries = [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  for (const library of libraries) {
    await mkdir(join(dir, dirname(library)), { recursive: true });
    await copyFile(library, join(dir, library));
  }
  await mkdir(join(dir, 'tmp'));
  await chmod(join(dir, 'tmp'), 0o1777);
  return libraries;
}
