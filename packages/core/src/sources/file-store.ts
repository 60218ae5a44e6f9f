import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, realpath, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { PushError } from '../errors.js';
import { makeScratch, writeScratch } from '../scratch-dirs.js';
import { indexTar } from './tar-index.js';

/**
 * The files of an image source, wherever they sit: a directory (an OCI layout) or a tar
 * archive (an OCI archive, a `docker save`). Names are relative and use `/`.
 */
export interface FileStore {
  /** Size of a file, or undefined when there is none by that name. */
  size(name: string): Promise<number | undefined>;
  read(name: string): Promise<Buffer>;
  /**
   * A stream of the file, read in pieces of up to 1 MiB. With the size the caller expects, reads
   * stop there and no piece is bigger than what is left: a 64 KiB blob costs 64 KiB of memory,
   * not a 1 MiB buffer (a hundred small layers made 100 ms of garbage collection).
   */
  open(name: string, size?: number): Readable;
  /** Releases what the store holds (a decompressed copy of a gzip'd archive). */
  close(): Promise<void>;
}

/** 1 MiB reads keep syscalls few on large layers while holding little memory. */
const READ_CHUNK = 1024 * 1024;

/**
 * A layout directory. A file that resolves outside it (a blob that is a symbolic link to
 * /etc/passwd) is refused when its size is asked, which every source does for every blob before
 * the first byte is sent: a layout's files are read, nothing they point at.
 */
export function directoryStore(dir: string, fail: (why: string) => PushError): FileStore {
  let root: Promise<string> | undefined;
  return {
    async size(name) {
      try {
        const info = await stat(join(dir, name));
        if (!info.isFile()) return undefined;
        const real = await realpath(join(dir, name));
        root ??= realpath(dir);
        if (!real.startsWith(`${await root}${sep}`)) throw fail(`${name} is a link that leads out of the layout (to ${real}); hoist reads only a layout's own files`);
        return info.size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    read: (name) => readFile(join(dir, name)),
    open: (name, size) => {
      if (size === 0) return Readable.from([]);
      return createReadStream(join(dir, name), { highWaterMark: READ_CHUNK, ...(size === undefined ? {} : { end: size - 1 }) });
    },
    close: async () => {},
  };
}

/**
 * Decompressed, a gzip'd archive may take this much room in TMPDIR, unless the push says
 * otherwise (--max-decompressed, HOIST_MAX_DECOMPRESSED). 16 GiB holds the largest images CI
 * pushes (CUDA and ML images are 10-15 GiB unpacked) and bounds what a gzip bomb (14 MB of zeros
 * make 14 GB) can take of a shared agent's disk, for the length of one push.
 */
export const DEFAULT_MAX_DECOMPRESSED = 16 * 2 ** 30;

/**
 * A tar archive read in place: its entries are byte ranges of the file, never extracted. A
 * gzip'd archive cannot be read by range, so it is first decompressed to one temporary file,
 * up to `maxDecompressed` bytes: checked first against the size the gzip trailer declares (a
 * lower bound: it is the size modulo 4 GiB), then against the bytes as they come out.
 */
export async function tarStore(path: string, fail: (why: string) => PushError, signal?: AbortSignal, maxDecompressed = DEFAULT_MAX_DECOMPRESSED): Promise<FileStore> {
  let tarPath = path;
  let scratch: string | undefined;
  const declared = await gzipDeclaredSize(path, fail);
  if (declared !== undefined) {
    if (declared > maxDecompressed) throw fail(`decompressed, it declares ${sizeText(declared)}, more than the ${limitText(maxDecompressed)}`);
    scratch = await makeScratch('archive');
    tarPath = join(scratch, 'archive.tar');
    try {
      // What it declares must fit as well: refused before the disk fills (ENOSPC otherwise says so as it happens).
      const { bavail, bsize } = await statfs(scratch);
      if (declared > bavail * bsize) throw fail(`decompressed, it declares ${sizeText(declared)}, and ${dirname(scratch)} (TMPDIR) has ${sizeText(bavail * bsize)} free: give TMPDIR more room, or pass the archive uncompressed`);
      await writeScratch(tarPath, declared, () => pipeline(createReadStream(path), createGunzip(), atMost(maxDecompressed, fail), createWriteStream(tarPath), { signal }));
    } catch (error) {
      await rm(scratch, { recursive: true, force: true });
      if (signal?.aborted || error instanceof PushError) throw error;
      throw fail('the gzip stream is truncated or corrupt');
    }
  }
  let entries;
  try {
    entries = await indexTar(tarPath, fail);
  } catch (error) {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  const entry = (name: string) => entries.get(name);
  return {
    size: async (name) => entry(name)?.size,
    async read(name) {
      const e = entry(name);
      if (!e) throw fail(`${name} is missing from the archive`);
      const buffer = Buffer.alloc(e.size);
      const file = await open(tarPath, 'r');
      try {
        await file.read(buffer, 0, e.size, e.offset);
      } finally {
        await file.close();
      }
      return buffer;
    },
    open(name) {
      const e = entry(name);
      if (!e) throw fail(`${name} is missing from the archive`);
      // createReadStream has no empty range (end is inclusive): an empty entry is an empty stream.
      if (e.size === 0) return Readable.from([]);
      return createReadStream(tarPath, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: READ_CHUNK });
    },
    async close() {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** Passes bytes on until more than `max` have come out. */
function atMost(max: number, fail: (why: string) => PushError): Transform {
  let written = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      if (written <= max) return callback(null, chunk);
      callback(fail(`decompressed, it grows past ${sizeText(max)}, the ${limitText(max)}`));
    },
  });
}

function limitText(max: number): string {
  return `limit of ${sizeText(max)} (--max-decompressed SIZE or HOIST_MAX_DECOMPRESSED raise it for an archive you trust; or pass it uncompressed)`;
}

function sizeText(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 10).toFixed(1)} KiB`;
}

/** The uncompressed size a gzip'd file's trailer declares, or undefined when the file is not gzip. */
async function gzipDeclaredSize(path: string, fail: (why: string) => PushError): Promise<number | undefined> {
  if (!(await isGzip(path, fail))) return undefined;
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < 18) throw fail('the gzip stream is truncated or corrupt');
    const trailer = Buffer.alloc(4);
    await file.read(trailer, 0, 4, size - 4);
    return trailer.readUInt32LE(0);
  } finally {
    await file.close();
  }
}

async function isGzip(path: string, fail: (why: string) => PushError): Promise<boolean> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not an archive' : `cannot open: ${code}`);
  }
  try {
    const magic = Buffer.alloc(2);
    await file.read(magic, 0, 2, 0);
    return magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await file.close();
  }
}
