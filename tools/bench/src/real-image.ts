import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDockerDaemon, type TestDockerDaemon } from '@hoist/test-registry';
import { copyRealFiles, realFiles } from './real-files.js';

const MiB = 1024 * 1024;
const LAYERS = 4;
const LAYER_BUDGET = 50 * MiB;
export const REAL_IMAGE_TAG = 'bench/app:1';

/**
 * The image the daemon and archive scenarios push: `docker build` in a daemon of the bench's own,
 * about 200 MiB in 4 layers of copies of installed files (Python's standard library, the CNI
 * plugins, PostgreSQL's libraries...), so compression does the work it does on real images.
 */
export async function buildRealImage(dir: string): Promise<TestDockerDaemon> {
  const context = join(dir, 'context');
  const files = realFiles();
  const dockerfile = ['FROM scratch'];
  for (let i = 0; i < LAYERS; i++) {
    await copyRealFiles(join(context, `layer${i}`), LAYER_BUDGET, files);
    dockerfile.push(`COPY layer${i} /layer${i}`);
  }
  await writeFile(join(context, 'Dockerfile'), `${dockerfile.join('\n')}\n`);
  const daemon = await startDockerDaemon();
  try {
    await daemon.docker(['build', '-q', '-t', REAL_IMAGE_TAG, context]);
    return daemon;
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}

/** The same image as a `docker save` tarball (the daemon is stopped once it is written): its path. */
export async function saveRealImage(dir: string): Promise<string> {
  const daemon = await buildRealImage(dir);
  const archive = join(dir, 'image.tar');
  try {
    await daemon.docker(['save', '-o', archive, REAL_IMAGE_TAG]);
  } finally {
    await daemon.stop();
  }
  return archive;
}
