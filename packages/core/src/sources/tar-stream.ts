import { applyMeta, BLOCK, entryName, hasTarChecksum, isEndBlock, isFileType, isMetaType, MAX_META_ENTRY, paddedSize, parseHeader, type PendingMeta } from './tar-header.js';
import type { Fail } from '../errors.js';

/**
 * A tar read as it arrives (a Docker daemon's export on a socket), once, front to back: each
 * regular file is handed to `consume` as an async iterable of its bytes, which the consumer
 * reads at its own pace (back-pressure reaches the socket). What a consumer leaves unread is
 * skipped. Names are checked as in an archive on disk (tar-header.ts).
 */
export interface StreamEntry {
  name: string;
  size: number;
}

export type EntryConsumer = (entry: StreamEntry, body: AsyncIterable<Buffer>) => Promise<void>;

export async function readTarStream(input: AsyncIterable<Buffer>, consume: EntryConsumer, fail: Fail): Promise<number> {
  const reader = new ByteReader(input);
  const meta: PendingMeta = { pax: {} };
  let position = 0;
  let files = 0;
  for (;;) {
    const header = await reader.exactly(BLOCK);
    if (position === 0 && (header === undefined || isEndBlock(header) || !hasTarChecksum(header))) {
      // Zeros or random bytes: say so before reading further (an endless stream has no end to wait for).
      throw fail(header === undefined ? 'not a tar archive: it ends before its first tar header' : 'not a tar archive: its first 512 bytes are no tar header');
    }
    if (header === undefined) throw fail(`truncated tar: it ends at byte ${position} without its end-of-archive blocks`);
    if (isEndBlock(header)) {
      if (files === 0) throw fail('not a tar archive, or an empty one');
      return files;
    }
    const raw = parseHeader(header, position, meta, fail);
    position += BLOCK;
    if (isMetaType(raw.type)) {
      if (raw.size > MAX_META_ENTRY) throw fail(`tar metadata entry at byte ${position - BLOCK} is ${raw.size} bytes`);
      const data = await reader.exactly(raw.size);
      if (data === undefined) throw fail(`truncated tar: metadata at byte ${position} is cut short`);
      applyMeta(raw.type, data, meta);
      await skip(reader, paddedSize(raw.size) - raw.size, position, fail);
      position += paddedSize(raw.size);
      continue;
    }
    const name = entryName(raw, meta, fail);
    if (isFileType(raw.type)) {
      files++;
      const body = reader.take(raw.size);
      await consume({ name, size: raw.size }, body);
      await skip(reader, body.left(), position, fail);
      await skip(reader, paddedSize(raw.size) - raw.size, position, fail);
    } else {
      await skip(reader, paddedSize(raw.size), position, fail);
    }
    position += paddedSize(raw.size);
  }
}

async function skip(reader: ByteReader, count: number, position: number, fail: Fail): Promise<void> {
  for await (const chunk of reader.take(count)) void chunk;
  if (reader.ended && reader.shortBy > 0) throw fail(`truncated tar: the entry at byte ${position} is cut short`);
}

interface Body extends AsyncIterable<Buffer> {
  /** Bytes of the entry not yet read. */
  left(): number;
}

/** Exact reads and bounded runs of bytes over a stream of chunks of any size. */
class ByteReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  ended = false;
  /** How many bytes the last bounded read still wanted when the input ended. */
  shortBy = 0;

  constructor(input: AsyncIterable<Buffer>) {
    this.chunks = input[Symbol.asyncIterator]();
  }

  /** Exactly `count` bytes, or undefined when the input ends first. */
  async exactly(count: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let have = 0;
    for await (const chunk of this.take(count)) {
      parts.push(chunk);
      have += chunk.length;
    }
    return have === count ? Buffer.concat(parts, count) : undefined;
  }

  /** The next `count` bytes, as the chunks they arrive in (never more than asked). */
  take(count: number): Body {
    let left = count;
    const next = async (): Promise<IteratorResult<Buffer>> => {
      if (left === 0) return { done: true, value: undefined };
      if (this.pending.length === 0) {
        const chunk = this.ended ? undefined : await this.chunks.next();
        if (chunk === undefined || chunk.done) {
          this.ended = true;
          this.shortBy = left;
          return { done: true, value: undefined };
        }
        this.pending = chunk.value;
      }
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      return { done: false, value: piece };
    };
    return { [Symbol.asyncIterator]: () => ({ next }), left: () => left };
  }
}
