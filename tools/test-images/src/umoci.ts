import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An OCI layout made by umoci, an independent tool: init, an empty image, one inserted file. */
export async function makeUmociLayout(dir: string, ref: string, fileContent = 'hello from umoci\n'): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'hoist-umoci-'));
  try {
    const file = join(scratch, 'hello.txt');
    await writeFile(file, fileContent);
    await run('umoci', ['init', '--layout', dir]);
    await run('umoci', ['new', '--image', `${dir}:${ref}`]);
    await run('umoci', ['insert', '--image', `${dir}:${ref}`, file, '/hello.txt']);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Unpacks an image of an OCI layout with umoci (Go's gzip and tar readers) into `rootfs`. */
export async function umociUnpack(layout: string, ref: string, rootfs: string): Promise<void> {
  await run('umoci', ['raw', 'unpack', '--rootless', '--image', `${layout}:${ref}`, rootfs]);
}
