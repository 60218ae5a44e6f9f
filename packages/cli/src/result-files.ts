import { constants } from 'node:fs';
import { access, lstat, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { PushError, type PushResult } from '@hoist/core';
import type { Output } from './output.js';
import type { PushArgs } from './push-args.js';
import { UsageError } from './usage-error.js';

/**
 * Where a result file goes. A regular file (or none) is replaced whole, by a rename. A link to a
 * regular file is followed, and its target replaced, as docker keeps a linked config.json. Anything
 * else is never removed or replaced, only written to: `--digest-file /dev/stdout` (a link into
 * /proc), a device or a named pipe. Deleting those turned /dev/null into a file for every process
 * of a root CI container.
 */
interface ResultTarget {
  path: string;
  replace: boolean;
}

/**
 * hoist's own standard streams, by the names a shell gives them: written as hoist writes its
 * output. Opened anew they fail when they are sockets (ENXIO, as under a Node.js parent), and a
 * file they go to would be written at another offset than hoist's own lines.
 */
const STANDARD_STREAM = /^\/(?:dev\/(?:(stdout)|(stderr)|fd\/(?:(1)|(2)))|proc\/self\/fd\/(?:(1)|(2)))$/;

function standardStream(file: string): 'out' | 'err' | undefined {
  const match = STANDARD_STREAM.exec(file);
  if (!match) return undefined;
  return match[1] ?? match[3] ?? match[5] ? 'out' : 'err';
}

async function resultTarget(file: string): Promise<ResultTarget> {
  const info = await lstat(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  // A file of /proc (/dev/fd/3 is /proc/self/fd/3) stands for an open file of this process:
  // replacing what it points at would write into a file the shell already lost.
  if (/^\/proc(\/|$)/.test(await realpath(dirname(file)).catch(() => ''))) return { path: file, replace: false };
  if (!info || info.isFile()) return { path: file, replace: true };
  if (info.isSymbolicLink()) {
    const link = await readlink(file);
    const pointsAt = isAbsolute(link) ? link : resolve(dirname(file), link);
    // /dev/stdout is a link to /proc/self/fd/1: the stream this process writes to, whatever it is.
    const intoTheSystem = /^\/(proc|dev)\//.test(pointsAt);
    const real = intoTheSystem ? undefined : await realpath(file).catch(() => undefined);
    if (real && (await stat(real)).isFile()) return { path: real, replace: true };
  }
  if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  return { path: file, replace: false };
}

/**
 * A file left by an earlier run must not be taken for this run's result, and a path that cannot
 * be written must fail the run before anything is pushed, not after its tags are written.
 */
export async function removeResultFiles(args: PushArgs): Promise<void> {
  for (const [flag, file] of [['--digest-file', args.digestFile], ['--image-refs', args.imageRefs]] as const) {
    if (file === undefined || standardStream(file)) continue;
    try {
      const target = await resultTarget(file);
      if (target.replace) {
        await rm(target.path, { force: true });
        await writeFile(target.path, '', { flag: 'wx' });
        await rm(target.path);
      } else {
        // Left as it is. Not opened: a named pipe's open waits for its reader, who would then read nothing.
        await access(target.path, constants.W_OK);
      }
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
export async function writeResultFile(file: string, text: string, output: Output): Promise<void> {
  const stream = standardStream(file);
  if (stream === 'out') return output.outBytes(Buffer.from(text));
  if (stream === 'err') return output.errRaw(text);
  let temporary: string | undefined;
  try {
    const target = await resultTarget(file);
    if (target.replace) {
      temporary = `${target.path}.${process.pid}.tmp`;
      await writeFile(temporary, text);
      await rename(temporary, target.path);
    } else {
      await writeFile(target.path, text, { flag: 'a' });
    }
  } catch (error) {
    if (temporary) await rm(temporary, { force: true });
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
