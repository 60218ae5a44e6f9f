import { BLOCK_GZIP_VERSION } from './block-gzip.js';
import { cacheFile, newest, readJsonObject, writeJsonAtomically } from '../cache-file.js';

/**
 * What an uncompressed layer became the last time it was compressed with the same settings and
 * the same zlib: its compressed digest and size. With it, a re-push of the same tarball can ask
 * the registry for the compressed blob before compressing anything, and skip the work when the
 * registry has it. gzip output is deterministic for a given zlib version and level, which is why
 * both are part of the key, with the version of hoist's block encoder.
 */
export interface CompressedLayer {
  digest: string;
  size: number;
}

export interface CompressionCache {
  lookup(key: string): CompressedLayer | undefined;
  remember(key: string, layer: CompressedLayer): void;
  save(): Promise<void>;
}

const MAX_ENTRIES = 5000;

export function compressionKey(diffId: string, format: string, level: number): string {
  return `${diffId} ${format}-${level} ${BLOCK_GZIP_VERSION} zlib-${process.versions.zlib}`;
}

export function memoryCompressionCache(): CompressionCache {
  return new JsonCompressionCache({}, undefined);
}

export async function fileCompressionCache(file: string = cacheFile('compressed-layers.json')): Promise<CompressionCache> {
  return new JsonCompressionCache((await readJsonObject(file)) as Record<string, CompressedLayer>, file);
}

class JsonCompressionCache implements CompressionCache {
  private dirty = false;

  constructor(
    private readonly entries: Record<string, CompressedLayer>,
    private readonly file: string | undefined,
  ) {}

  lookup(key: string): CompressedLayer | undefined {
    const entry = this.entries[key];
    return entry && typeof entry.digest === 'string' && Number.isSafeInteger(entry.size) ? entry : undefined;
  }

  remember(key: string, layer: CompressedLayer): void {
    delete this.entries[key];
    this.entries[key] = layer;
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    if (await writeJsonAtomically(this.file, newest(this.entries, MAX_ENTRIES))) this.dirty = false;
  }
}
