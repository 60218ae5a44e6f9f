import { posix } from 'node:path';
import type { Fail } from '../errors.js';

/**
 * One 512-byte tar header, as ustar, GNU and PAX writers make them: what the seeking index of an
 * archive on disk (tar-index.ts) and the reader of a tar arriving on a socket (tar-stream.ts)
 * both need. Lying headers fail with the byte position they sit at.
 */
export const BLOCK = 512;
/** Long names and PAX records are small; a larger one is a broken or hostile archive. */
export const MAX_META_ENTRY = 1024 * 1024;

export interface RawHeader {
  /** `0` or NUL for a regular file, `L` a GNU long name, `x`/`g` PAX records, others skipped. */
  type: string;
  size: number;
  /** The name in the header itself, before any long name or PAX path overrides it. */
  name: string;
}

/** Metadata that earlier entries (`L`, `x`) carry for the entry after them. */
export interface PendingMeta {
  longName?: string;
  pax: Record<string, string>;
}

export function isEndBlock(header: Buffer): boolean {
  return header.every((b) => b === 0);
}

export function parseHeader(header: Buffer, position: number, meta: PendingMeta, fail: Fail): RawHeader {
  verifyChecksum(header, position, fail);
  const type = String.fromCharCode(header[156]!);
  const paxSize = meta.pax['size'];
  const size = paxSize !== undefined ? Number(paxSize) : parseOctal(header.subarray(124, 136), position, fail);
  if (!Number.isSafeInteger(size) || size < 0) throw fail(`tar header at byte ${position} declares an invalid size`);
  return { type, size, name: ustarName(header) };
}

/** True for the entries whose data is metadata about the next entry. */
export function isMetaType(type: string): boolean {
  return type === 'L' || type === 'x' || type === 'g';
}

/** Regular files only ('0', or NUL from old tars); directories and links carry no data. */
export function isFileType(type: string): boolean {
  return type === '0' || type === '\0';
}

/** Folds an `L` or `x` entry's data into what applies to the next entry. */
export function applyMeta(type: string, data: Buffer, meta: PendingMeta): void {
  if (type === 'L') meta.longName = data.toString('utf8').replace(/\0+$/, '');
  else if (type === 'x') meta.pax = parsePax(data);
}

/** The entry's name after long names and PAX paths, normalised and kept inside the archive. */
export function entryName(raw: RawHeader, meta: PendingMeta, fail: Fail): string {
  const name = safeName(meta.pax['path'] ?? meta.longName ?? raw.name, fail);
  delete meta.longName;
  meta.pax = {};
  return name;
}

/** Bytes an entry of `size` occupies, padding included. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
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

function parseOctal(field: Buffer, position: number, fail: Fail): number {
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

/** True when the block's checksum field matches its bytes: what tells a tar header from anything else. */
export function hasTarChecksum(header: Buffer): boolean {
  const field = cString(header.subarray(148, 156)).trim();
  const stored = /^[0-7]+$/.test(field) ? parseInt(field, 8) : NaN;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === stored;
}

function verifyChecksum(header: Buffer, position: number, fail: Fail): void {
  if (!hasTarChecksum(header)) throw fail(`tar header at byte ${position} fails its checksum (not a tar, or corrupt)`);
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
function safeName(name: string, fail: Fail): string {
  const normal = posix.normalize(name).replace(/^\.\//, '').replace(/\/$/, '');
  if (name.startsWith('/') || normal === '..' || normal.startsWith('../')) throw fail(`path "${name}" escapes the archive`);
  return normal;
}

/** The fields of a header hoist writes. Names and link names are at most 100 bytes here (longer ones go in PAX records). */
export interface HeaderFields {
  name: string;
  /** '0' file, '2' symbolic link, '5' directory, 'x' PAX records for the next entry. */
  type: '0' | '2' | '5' | 'x';
  mode: number;
  size: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
}

/** One ustar header, fields written as GNU tar and Go's archive/tar write them. */
export function ustarHeader(fields: HeaderFields): Buffer {
  const header = Buffer.alloc(BLOCK);
  for (const [what, value] of [['name', fields.name], ['link name', fields.linkname ?? '']] as const) {
    if (Buffer.byteLength(value) > 100) throw new RangeError(`tar ${what} longer than 100 bytes: ${value}`);
  }
  header.write(fields.name, 0, 100, 'utf8');
  header.write(octal(fields.mode, 8), 100, 'latin1');
  header.write(octal(fields.uid ?? 0, 8), 108, 'latin1');
  header.write(octal(fields.gid ?? 0, 8), 116, 'latin1');
  header.write(octal(fields.size, 12), 124, 'latin1');
  header.write(octal(fields.mtime ?? 0, 12), 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(fields.type, 156, 'latin1');
  header.write(fields.linkname ?? '', 157, 100, 'utf8');
  header.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/** A number as the zero-padded octal field of `width` bytes (its last a NUL). */
function octal(value: number, width: number): string {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new RangeError(`${value} does not fit a ${width}-byte tar field`);
  return `${text}\0`;
}

/**
 * The ustar header of a regular file, as `docker load` reads it: root-owned, mode 0644, time 0.
 * Names are at most 100 bytes (hex digests and `layer.tar` are all it is given).
 */
export function fileHeader(name: string, size: number): Buffer {
  return ustarHeader({ name, type: '0', mode: 0o644, size });
}

/** The zeros that pad an entry of `size` bytes to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc(paddedSize(size) - size);
}

/** Two zero blocks: the end of an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
