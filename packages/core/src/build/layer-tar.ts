import { createReadStream } from 'node:fs';
import { PushError } from '../errors.js';
import { END_OF_ARCHIVE, padding, ustarHeader, type HeaderFields } from '../sources/tar-header.js';
import type { LayerEntry } from './layer-entries.js';

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
  for (const entry of entries) {
    yield* headersOf(entry, stamp);
    if (entry.kind !== 'file' || entry.size === 0) continue;
    let read = 0;
    for await (const chunk of createReadStream(entry.source!, { highWaterMark: 1024 * 1024, end: entry.size - 1 })) {
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (read !== entry.size) throw new PushError('INVALID_SOURCE', `${entry.source} changed while it was read (${entry.size} bytes when listed, ${read} read)`);
    yield padding(entry.size);
  }
  yield END_OF_ARCHIVE;
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
