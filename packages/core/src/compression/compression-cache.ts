import { createHmac, timingSafeEqual } from 'node:crypto';
import { encoderVersion } from './layer-compressor.js';
import { cacheFile, newest, readJsonObject, updateJsonObject } from '../cache-file.js';
import { cacheKey, cacheKeyFile } from '../cache-key.js';

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

export function compressionKey(diffId: string, format: 'gzip' | 'zstd', level: number): string {
  return `${diffId} ${format}-${level} ${encoderVersion(format)}`;
}

export function memoryCompressionCache(): CompressionCache {
  return new JsonCompressionCache({}, undefined);
}

/**
 * The cache kept on disk. An entry decides which blob a manifest names for a layer, so a file
 * that arrived from elsewhere (a CI cache restored from another build) must not be able to
 * point a layer at an unrelated blob the registry holds: each entry carries an HMAC, under this
 * machine's cache key (cache-key.ts), of its layer, settings, digest and size, and an entry
 * whose seal does not hold is not used (the layer is compressed again).
 */
export async function fileCompressionCache(file: string = cacheFile('compressed-layers.json'), keyFile: string = cacheKeyFile()): Promise<CompressionCache> {
  const key = await cacheKey(keyFile);
  if (!key) return memoryCompressionCache();
  return new JsonCompressionCache((await readJsonObject(file)) as Record<string, SealedLayer>, file, key);
}

interface SealedLayer extends CompressedLayer {
  seal?: string;
}

class JsonCompressionCache implements CompressionCache {
  /** Entries made since the last save, merged into the file as it is then. */
  private readonly made = new Map<string, SealedLayer>();

  constructor(
    private readonly entries: Record<string, SealedLayer>,
    private readonly file: string | undefined,
    private readonly key?: Buffer,
  ) {}

  lookup(key: string): CompressedLayer | undefined {
    const entry = this.entries[key];
    if (!entry || typeof entry.digest !== 'string' || !Number.isSafeInteger(entry.size)) return undefined;
    if (this.key && !(typeof entry.seal === 'string' && sealHolds(entry.seal, this.seal(key, entry)))) return undefined;
    return { digest: entry.digest, size: entry.size };
  }

  remember(key: string, layer: CompressedLayer): void {
    const entry = this.key ? { ...layer, seal: this.seal(key, layer) } : layer;
    delete this.entries[key];
    this.entries[key] = entry;
    this.made.delete(key);
    this.made.set(key, entry);
  }

  private seal(key: string, layer: CompressedLayer): string {
    return createHmac('sha256', this.key!).update(`${key}\n${layer.digest}\n${layer.size}`).digest('hex');
  }

  async save(): Promise<void> {
    if (!this.file || this.made.size === 0) return;
    const made = [...this.made];
    const saved = await updateJsonObject(this.file, (current) => {
      // Re-inserted, each of this run's entries counts as newest.
      for (const [key, entry] of made) {
        delete current[key];
        current[key] = entry;
      }
      return newest(current, MAX_ENTRIES);
    });
    if (saved) for (const [key, entry] of made) if (this.made.get(key) === entry) this.made.delete(key);
  }
}

function sealHolds(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
