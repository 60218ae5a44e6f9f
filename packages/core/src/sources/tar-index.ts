import { open, type FileHandle } from 'node:fs/promises';
import { applyMeta, BLOCK, entryName, isEndBlock, isFileType, isMetaType, MAX_META_ENTRY, paddedSize, parseHeader, type PendingMeta } from './tar-header.js';
import type { Fail } from '../errors.js';

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

export async function indexTar(path: string, fail: Fail): Promise<Map<string, TarEntry>> {
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

async function readEntries(file: FileHandle, archiveSize: number, fail: Fail): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const header = Buffer.alloc(BLOCK);
  const meta: PendingMeta = { pax: {} };
  let position = 0;
  for (;;) {
    const { bytesRead } = await file.read(header, 0, BLOCK, position);
    // Every tar writer ends with zero blocks; an archive that stops without them was cut short.
    if (bytesRead === 0) throw fail(`truncated tar: it ends at byte ${position} without its end-of-archive blocks`);
    if (bytesRead < BLOCK) throw fail(`truncated tar: a header at byte ${position} is cut short`);
    if (isEndBlock(header)) {
      if (entries.size === 0) throw fail('not a tar archive, or an empty one');
      return entries;
    }
    const raw = parseHeader(header, position, meta, fail);
    const dataOffset = position + BLOCK;
    if (dataOffset + raw.size > archiveSize) throw fail(`truncated tar: an entry at byte ${position} declares ${raw.size} bytes past the end of the file`);
    const next = dataOffset + paddedSize(raw.size);

    if (isMetaType(raw.type)) {
      if (raw.size > MAX_META_ENTRY) throw fail(`tar metadata entry at byte ${position} is ${raw.size} bytes`);
      const data = Buffer.alloc(raw.size);
      await file.read(data, 0, raw.size, dataOffset);
      applyMeta(raw.type, data, meta);
      position = next;
      continue;
    }
    const name = entryName(raw, meta, fail);
    if (isFileType(raw.type)) entries.set(name, { offset: dataOffset, size: raw.size });
    position = next;
  }
}
