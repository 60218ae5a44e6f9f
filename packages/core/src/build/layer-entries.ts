import type { Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import picomatch from 'picomatch';
import { PushError } from '../errors.js';

/**
 * What goes into one layer: a file or a directory on disk, and where it lands in the image. As
 * with a Dockerfile's COPY, a directory's contents go under `to`; a file lands at `to` (inside it
 * when `to` ends with `/`). Without `to`, both land at `/<name>`.
 */
export interface LayerSource {
  from: string;
  to?: string;
  /**
   * Globs of paths to leave out, matched against each path relative to `from` (`*.log`,
   * `**\/node_modules`, `.git`); a directory left out takes its contents with it.
   */
  exclude?: readonly string[];
}

/** One entry of a layer's tar, in the order it is written. */
export interface LayerEntry {
  /** The path in the image, without a leading `/`. */
  path: string;
  kind: 'file' | 'directory' | 'symlink';
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
  size: number;
  /** The file on disk, for a file. */
  source?: string;
  /** What a symbolic link points at, as it is on disk. */
  target?: string;
}

/**
 * The entries of a layer, sorted by path so that the same tree gives the same tar wherever it
 * is checked out: every directory `to` passes through first (mode 0755), then the tree. Links
 * inside the tree are kept as links; the `from` path itself is followed, as COPY does.
 */
export async function layerEntries(source: LayerSource): Promise<{ landsAt: string; entries: LayerEntry[] }> {
  const top = await stat(source.from).catch((error: NodeJS.ErrnoException) => {
    throw new PushError('INVALID_SOURCE', `${source.from}: ${error.code === 'ENOENT' ? 'no such file or directory' : `cannot read it (${error.code})`}`);
  });
  const destination = landing(source, top.isDirectory());
  const excluded = source.exclude && source.exclude.length > 0 ? picomatch([...source.exclude], { dot: true }) : () => false;
  const entries: LayerEntry[] = parents(destination);
  if (top.isDirectory()) {
    // The directory itself is made, as COPY makes it: a checkout's own mode (0700 in a CI
    // workspace) would lock a non-root container out of its application.
    if (destination !== '') entries.push({ path: destination, kind: 'directory', mode: 0o755, size: 0 });
    await walk(source.from, '', destination, excluded, entries);
  } else {
    entries.push(entryOf(source.from, destination, top, undefined));
  }
  return { landsAt: `/${destination}`, entries };
}

/** The path the source lands at, relative to the image's root ('' for the root itself). */
function landing(source: LayerSource, isDirectory: boolean): string {
  const to = source.to ?? `/${basename(source.from)}`;
  const normal = posix.normalize(`/${to}`).replace(/^\/+/, '');
  const path = normal.endsWith('/') || normal === '' ? (isDirectory ? normal : `${normal}${basename(source.from)}`) : normal;
  if (path.split('/').includes('..')) throw new PushError('USAGE', `${to}: a destination in the image cannot climb out of its root`);
  return path.replace(/\/$/, '');
}

function parents(path: string): LayerEntry[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => ({ path: parts.slice(0, i + 1).join('/'), kind: 'directory' as const, mode: 0o755, size: 0 }));
}

async function walk(dir: string, relative: string, under: string, excluded: (path: string) => boolean, entries: LayerEntry[]): Promise<void> {
  const names = (await readdir(dir)).sort().filter((name) => !excluded(relative ? `${relative}/${name}` : name));
  // A directory's entries are looked at all at once (thousands of small files), kept in order.
  const found = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const info = await lstat(path);
      const rel = relative ? `${relative}/${name}` : name;
      return { path, rel, entry: entryOf(path, under ? `${under}/${rel}` : rel, info, info.isSymbolicLink() ? await readlink(path) : undefined) };
    }),
  );
  for (const { path, rel, entry } of found) {
    entries.push(entry);
    if (entry.kind === 'directory') await walk(path, rel, under, excluded, entries);
  }
}

function entryOf(path: string, inImage: string, info: Stats, target: string | undefined): LayerEntry {
  const mode = info.mode & 0o7777;
  if (info.isSymbolicLink()) return { path: inImage, kind: 'symlink', mode, size: 0, target: target! };
  if (info.isDirectory()) return { path: inImage, kind: 'directory', mode, size: 0 };
  if (info.isFile()) return { path: inImage, kind: 'file', mode, size: info.size, source: path };
  throw new PushError('INVALID_SOURCE', `${path} is neither a file, a directory nor a symbolic link (a socket, a device or a pipe cannot go in a layer)`);
}
