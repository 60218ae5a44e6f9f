import { rename, rm, writeFile } from 'node:fs/promises';
import { PushError, type PushResult } from '@hoist/core';
import type { PushArgs } from './push-args.js';
import { UsageError } from './usage-error.js';

/**
 * A file left by an earlier run must not be taken for this run's result, and a path that cannot
 * be written must fail the run before anything is pushed, not after its tags are written.
 */
export async function removeResultFiles(args: PushArgs): Promise<void> {
  for (const [flag, file] of [['--digest-file', args.digestFile], ['--image-refs', args.imageRefs]] as const) {
    if (file === undefined) continue;
    try {
      await rm(file, { force: true });
      await writeFile(file, '', { flag: 'wx' });
      await rm(file);
    } catch (error) {
      throw new UsageError(`${flag} ${file} cannot be written (${(error as NodeJS.ErrnoException).code}): give a path in a directory that exists and is writable`);
    }
  }
}

/**
 * Written whole or not at all: a step reading it never sees half a digest. A write that fails
 * (a full disk) fails the run with one line naming the file, after the push: the registry has
 * the image, but the step after this one would read no result.
 */
export async function writeResultFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new PushError('LOCAL_FILES', `${file} could not be written (${code}, ${Buffer.byteLength(text)} bytes): the image was pushed, but this result file is missing; give its directory room and run again`, { cause: error });
  }
}

/** `registry/repository@sha256:...` for each registry pushed to (crane's --image-refs). */
export function imageRefs(result: PushResult): string {
  return result.destinations
    .filter((d) => !d.name.startsWith('oci:') && !d.name.startsWith('docker-daemon:'))
    .map((d) => `${d.name}@${d.digest}\n`)
    .join('');
}
