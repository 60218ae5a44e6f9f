import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { PushError } from './errors.js';

/**
 * The table of contents of a tar file, read in place: one pass over the 512-byte headers,
 * seeking past file data, so that entries can then be read as byte ranges of the archive.
 * Understands ustar (with its name prefix), GNU long names and PAX path/size records, which is
 * what `docker save`, BuildKit and skopeo write. Lying headers fail with the entry's name.
 */
export interface TarEntry {
  /** Offset of the entry's data in the archive. */
  offset: number;
  size: number;
}

const BLOCK = 512;
/** Long names and PAX records are small; a larger one is a broken or hostile archive. */
const MAX_META_ENTRY = 1024 * 1024;

export async function indexTar(path: string, fail: (why: string) => PushError): Promise<Map<string, TarEntry>> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file' : `cannot open: ${code}`);
  }
  try {
    return await readEntries(file, (await file.stat()).size, fail);
  } finally {
    await file.close();
  }
}

async function readEntries(file: FileHandle, archiveSize: number, fail: (why: string) => PushError): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const header = Buffer.alloc(BLOCK);
  let position = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const { bytesRead } = await file.read(header, 0, BLOCK, position);
    // Every tar writer ends with zero blocks; an archive that stops without them was cut short.
    if (bytesRead === 0) throw fail(`truncated tar: it ends at byte ${position} without its end-of-archive blocks`);
    if (bytesRead < BLOCK) throw fail(`truncated tar: a header at byte ${position} is cut short`);
    if (header.every((b) => b === 0)) {
      if (entries.size === 0) throw fail('not a tar archive, or an empty one');
      return entries;
    }
    verifyChecksum(header, position, fail);
    const type = String.fromCharCode(header[156]!);
    const size = pax['size'] !== undefined ? Number(pax['size']) : parseOctal(header.subarray(124, 136), position, fail);
    const dataOffset = position + BLOCK;
    if (!Number.isSafeInteger(size) || size < 0) throw fail(`tar header at byte ${position} declares an invalid size`);
    if (dataOffset + size > archiveSize) throw fail(`truncated tar: an entry at byte ${position} declares ${size} bytes past the end of the file`);
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L' || type === 'x' || type === 'g') {
      if (size > MAX_META_ENTRY) throw fail(`tar metadata entry at byte ${position} is ${size} bytes`);
      const data = Buffer.alloc(size);
      await file.read(data, 0, size, dataOffset);
      if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
      else if (type === 'x') pax = parsePax(data);
      position = next;
      continue;
    }
    const name = safeName(pax['path'] ?? longName ?? ustarName(header), fail);
    longName = undefined;
    pax = {};
    // Regular files only ('0', or NUL from old tars); directories and links carry no blob data.
    if (type === '0' || type === '\0') entries.set(name, { offset: dataOffset, size });
    position = next;
  }
}

function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const isUstar = header.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = isUstar ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

function parseOctal(field: Buffer, position: number, fail: (why: string) => PushError): number {
  // GNU base-256 for sizes of 8 GiB and more: high bit set, big-endian binary.
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw fail(`tar header at byte ${position} has a size that is not octal`);
  return text === '' ? 0 : parseInt(text, 8);
}

function verifyChecksum(header: Buffer, position: number, fail: (why: string) => PushError): void {
  const field = cString(header.subarray(148, 156)).trim();
  const stored = /^[0-7]+$/.test(field) ? parseInt(field, 8) : NaN;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  if (sum !== stored) throw fail(`tar header at byte ${position} fails its checksum (not a tar, or corrupt)`);
}

/** PAX extended header records: `<length> <key>=<value>\n`. */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return records;
}

/** Normalises `./a/b` to `a/b`, and refuses names that climb out of the archive. */
function safeName(name: string, fail: (why: string) => PushError): string {
  const normal = posix.normalize(name).replace(/^\.\//, '').replace(/\/$/, '');
  if (name.startsWith('/') || normal === '..' || normal.startsWith('../')) throw fail(`path "${name}" escapes the archive`);
  return normal;
}
