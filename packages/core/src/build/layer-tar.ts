import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PushError } from '../errors.js';
import { END_OF_ARCHIVE, padding, ustarHeader, type HeaderFields } from '../sources/tar-header.js';
import type { LayerEntry } from './layer-entries.js';
import { plural } from '../plural.js';

/** Who owns every entry, and the one time they all carry (seconds since the epoch). */
export interface TarStamp {
  uid: number;
  gid: number;
  mtime: number;
}

/**
 * The bytes of a layer's tar: each entry's header (with PAX records for a path or link longer
 * than ustar holds), its content, padding, and the end of the archive. Nothing of the machine
 * leaks in (no user names, no access times), so the same entries give the same bytes.
 */
export async function* layerTar(entries: readonly LayerEntry[], stamp: TarStamp): AsyncGenerator<Buffer> {
  const ahead = new ReadAhead(entries);
  for (const [i, entry] of entries.entries()) {
    yield* headersOf(entry, stamp);
    if (entry.kind !== 'file' || entry.size === 0) continue;
    let read = 0;
    const whole = ahead.take(i);
    for await (const chunk of whole ? [await whole] : createReadStream(entry.source!, { highWaterMark: 1024 * 1024, end: entry.size - 1 })) {
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (read !== entry.size) throw new PushError('INVALID_SOURCE', `${entry.source} changed while it was read (${plural(entry.size, 'byte')} when listed, ${read} read)`);
    yield padding(entry.size);
  }
  yield END_OF_ARCHIVE;
}

/** Small files read whole, this many bytes ahead of the one being written. */
const SMALL_FILE = 1024 * 1024;
const AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Reads the small files to come while the ones before are compressed: an application tree is
 * thousands of small files, and opening them one after another, each only once the one before
 * was written, left the compressing threads waiting on the disk.
 */
class ReadAhead {
  private readonly pending = new Map<number, Promise<Buffer>>();
  private next = 0;
  private bytes = 0;

  constructor(private readonly entries: readonly LayerEntry[]) {}

  /** The whole content of entry `i` if it is small (read ahead), or undefined to stream it. */
  take(i: number): Promise<Buffer> | undefined {
    this.fill(i);
    const read = this.pending.get(i);
    if (read) {
      this.pending.delete(i);
      this.bytes -= this.entries[i]!.size;
      // A failed read is the caller's once taken; until then it must not count as unhandled.
      read.catch(() => {});
    }
    return read;
  }

  private fill(from: number): void {
    this.next = Math.max(this.next, from);
    while (this.next < this.entries.length && this.bytes < AHEAD_BYTES) {
      const entry = this.entries[this.next]!;
      if (entry.kind === 'file' && entry.size > 0 && entry.size <= SMALL_FILE) {
        const read = readFile(entry.source!);
        read.catch(() => {});
        this.pending.set(this.next, read);
        this.bytes += entry.size;
      }
      this.next++;
    }
  }
}

const TYPES = { file: '0', directory: '5', symlink: '2' } as const;

function headersOf(entry: LayerEntry, stamp: TarStamp): Buffer[] {
  const name = entry.kind === 'directory' ? `${entry.path}/` : entry.path;
  const linkname = entry.target ?? '';
  const records: string[] = [];
  if (Buffer.byteLength(name) > 100) records.push(paxRecord('path', name));
  if (Buffer.byteLength(linkname) > 100) records.push(paxRecord('linkpath', linkname));
  const fields: HeaderFields = {
    name: records.length > 0 ? truncate(name) : name,
    type: TYPES[entry.kind],
    mode: entry.mode,
    size: entry.kind === 'file' ? entry.size : 0,
    uid: stamp.uid,
    gid: stamp.gid,
    mtime: stamp.mtime,
    linkname: Buffer.byteLength(linkname) > 100 ? truncate(linkname) : linkname,
  };
  if (records.length === 0) return [ustarHeader(fields)];
  const pax = Buffer.from(records.join(''));
  return [ustarHeader({ name: truncate(`PaxHeaders/${entry.path}`), type: 'x', mode: 0o644, size: pax.length, mtime: stamp.mtime }), pax, padding(pax.length), ustarHeader(fields)];
}

/** `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

/** The first 100 bytes of a name, for the ustar field a PAX record overrides. */
function truncate(name: string): string {
  let out = name;
  while (Buffer.byteLength(out) > 100) out = out.slice(0, -1);
  return out;
}
