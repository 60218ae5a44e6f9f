import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipe, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { blockGzip } from '../compression/block-gzip.js';
import { compressIntoFile } from '../compression/compress-into-file.js';
import type { CompressionSettings } from '../compression/layer-compressor.js';
import type { FileStore } from '../sources/file-store.js';
import { readTarStream, type StreamEntry } from '../sources/tar-stream.js';
import type { Fail } from '../errors.js';
import { writeScratch } from '../scratch-dirs.js';
import { tap } from '../tap.js';

/**
 * A `docker save` export taken in as it streams from the daemon, so that the uncompressed image
 * never lands on disk: small files (manifests, configs, tiny layers) stay in memory; a large
 * entry that is already gzip or zstd (the containerd store's blobs) is written as it is; a
 * large uncompressed one (a layer.tar) is gzip'd on the way in, hashed on both sides, and only
 * its compressed form is written (with compression off it is written as it is: that is what
 * will be pushed). The result reads like the archive it was (a FileStore, so the `docker save`
 * reader parses it), and hands over the compressed layers it already made.
 */
export interface SpooledLayer {
  digest: string;
  size: number;
  open(): Readable;
}

export interface ExportSpool {
  store: FileStore;
  /** The gzip form, made while streaming, of an entry whose uncompressed content is `diffId`. */
  compressed(diffId: string): SpooledLayer | undefined;
  /** The digest of an entry kept as it arrived, hashed as it was spooled. */
  digestOf(name: string): string | undefined;
}

/** Entries up to this size stay in memory: every config and manifest, and small layers. */
const IN_MEMORY_MAX = 1024 * 1024;
/**
 * All the entries kept in memory together: past this, small ones are written to scratch files
 * too. A daemon gone wrong that sends valid small files without end grew hoist to gigabytes.
 */
const IN_MEMORY_TOTAL_MAX = 64 * 1024 * 1024;
/** No image's export holds this many files (a few per layer, and 127 layers at most on overlayfs). */
const MAX_ENTRIES = 100_000;
/** The names of all its files together: a real export's are a few KiB. */
const NAMES_TOTAL_MAX = 16 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;

type Spooled =
  | { kind: 'memory'; bytes: Buffer }
  | { kind: 'file'; file: string; size: number }
  /** Uncompressed content kept only as its gzip: reading it back means gunzipping. */
  | { kind: 'gzipped'; file: string; size: number };

export async function spoolExport(input: AsyncIterable<Buffer>, scratch: string, compression: CompressionSettings, fail: Fail, signal?: AbortSignal): Promise<ExportSpool> {
  const entries = new Map<string, Spooled>();
  const layers = new Map<string, SpooledLayer>();
  const digests = new Map<string, string>();
  let files = 0;
  let inMemory = 0;
  let names = 0;
  let taken = 0;

  const take = async (entry: StreamEntry, body: AsyncIterable<Buffer>): Promise<void> => {
    signal?.throwIfAborted();
    if (++taken > MAX_ENTRIES) throw fail(`sent an export of more than ${MAX_ENTRIES} files, which no image has`);
    // Names are kept too, and a tar name may be a megabyte long: they have a bound of their own.
    names += entry.name.length;
    if (names > NAMES_TOTAL_MAX) throw fail(`sent an export whose file names alone pass ${NAMES_TOTAL_MAX / 2 ** 20} MiB, which no image has`);
    if (entry.size <= IN_MEMORY_MAX && inMemory + entry.size <= IN_MEMORY_TOTAL_MAX) {
      const parts: Buffer[] = [];
      for await (const chunk of body) parts.push(chunk);
      inMemory += entry.size;
      entries.set(entry.name, { kind: 'memory', bytes: Buffer.concat(parts) });
      return;
    }
    const { head, rest } = await peek(body, 4);
    const file = join(scratch, `entry-${++files}`);
    if (isCompressed(head) || compression.format === 'none' || entry.size <= IN_MEMORY_MAX) {
      const hash = createHash('sha256');
      await writeScratch(file, entry.size, () => pipeline(rest, tap((chunk) => hash.update(chunk)), createWriteStream(file), { signal }));
      entries.set(entry.name, { kind: 'file', file, size: entry.size });
      digests.set(entry.name, `sha256:${hash.digest('hex')}`);
      return;
    }
    // Kept as gzip whatever the push sends: with zstd asked for, this is only how the layer waits
    // on disk (fast, level 1), and the push compresses it again.
    const made = await compressIntoFile(rest, blockGzip(compression.format === 'gzip' ? compression.level : 1), file, { signal, needed: entry.size });
    entries.set(entry.name, { kind: 'gzipped', file, size: entry.size });
    layers.set(made.diffId, { digest: made.digest, size: made.size, open: () => createReadStream(file, { highWaterMark: READ_CHUNK }) });
  };

  await readTarStream(input, take, fail);
  return { store: spoolStore(entries, fail), compressed: (diffId) => layers.get(diffId), digestOf: (name) => digests.get(name) };
}

function spoolStore(entries: Map<string, Spooled>, fail: Fail): FileStore {
  const get = (name: string): Spooled => {
    const entry = entries.get(name);
    if (!entry) throw fail(`${name} is missing from the export`);
    return entry;
  };
  const open = (name: string): Readable => {
    const entry = get(name);
    if (entry.kind === 'memory') return Readable.from([entry.bytes], { objectMode: false });
    const file = createReadStream(entry.file, { highWaterMark: READ_CHUNK });
    return entry.kind === 'file' ? file : pipe(file, createGunzip(), () => {});
  };
  return {
    size: async (name) => {
      const entry = entries.get(name);
      return entry === undefined ? undefined : entry.kind === 'memory' ? entry.bytes.length : entry.size;
    },
    read: async (name) => {
      const entry = get(name);
      if (entry.kind === 'memory') return entry.bytes;
      if (entry.kind === 'file') return readFile(entry.file);
      return Buffer.concat(await open(name).toArray());
    },
    open,
    // The scratch directory belongs to the daemon source, which removes it.
    close: async () => {},
  };
}

/** gzip's or zstd's magic: a blob the containerd store keeps compressed, pushed as it is. */
function isCompressed(head: Buffer): boolean {
  return (head[0] === 0x1f && head[1] === 0x8b) || (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528);
}

/** The first `count` bytes (fewer if the body is shorter), and the whole body again. */
async function peek(body: AsyncIterable<Buffer>, count: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = body[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  while (have < count) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
    have += next.value.length;
  }
  async function* rest(): AsyncIterable<Buffer> {
    yield* first;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head: Buffer.concat(first), rest: rest() };
}
