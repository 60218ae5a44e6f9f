import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Descriptor } from '../descriptor.js';
import { PushError } from '../errors.js';

/**
 * How hoist writes into a layout it may share with other writers and may not trust: every file
 * goes to a temporary name of its own (created exclusively, so nothing planted there is written
 * through) and is renamed into place, which replaces a symbolic link rather than following it;
 * the directories it writes into must be real directories, not links elsewhere.
 */
function temporaryName(file: string): string {
  return `${file}.${randomUUID()}.tmp`;
}

/** Writes `bytes` to `file` through a fresh temporary file and a rename. */
export function replaceFile(file: string, bytes: string | Buffer): Promise<void> {
  return putInPlace(file, async (temp) => {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  });
}

/**
 * Has `write` create a fresh temporary file (exclusively: it must fail if anything is there),
 * then renames it over `file`; a failure leaves no temporary file behind.
 */
export async function putInPlace(file: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = temporaryName(file);
  try {
    await write(temp);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Creates the directories below `root` (the layout, which the user named) and refuses any that is a link. */
export async function realDirectory(root: string, dir: string): Promise<void> {
  const parts = relative(root, dir).split('/').filter(Boolean);
  let path = root;
  for (const part of parts) {
    path = join(path, part);
    const info = await lstat(path).catch(() => undefined);
    if (!info) await mkdir(path).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
    else if (info.isSymbolicLink() || !info.isDirectory()) throw new PushError('USAGE', `oci:${root}: ${relative(root, path)} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; hoist writes into a layout's own directories only`);
  }
}

/**
 * True when the layout already holds this blob: a regular file (a link is replaced, never
 * trusted) whose bytes hash to the digest. A file with the right size but other bytes is
 * replaced too, so a damaged layout is repaired rather than reported as complete.
 */
export async function holdsBlob(file: string, blob: Descriptor): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  if (!info?.isFile() || info.size !== blob.size) return false;
  const algorithm = blob.digest.slice(0, blob.digest.indexOf(':'));
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}` === blob.digest;
}

/** index.json, or undefined for a layout that has none yet; one that does not parse is refused, never replaced. */
export async function readIndexJson(dir: string): Promise<({ manifests: Descriptor[] } & Record<string, unknown>) | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'index.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PushError('USAGE', `oci:${dir}: cannot read index.json: ${(error as NodeJS.ErrnoException).code}`);
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch {
    index = undefined;
  }
  if (typeof index !== 'object' || index === null || !Array.isArray((index as { manifests?: unknown }).manifests)) {
    throw new PushError('USAGE', `oci:${dir}: index.json is not a valid image index; hoist will not replace it (the refs it holds would be lost): repair or remove it`);
  }
  return index as { manifests: Descriptor[] } & Record<string, unknown>;
}
