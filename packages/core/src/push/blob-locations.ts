import { cacheFile, newest, readJsonObject, writeJsonAtomically } from '../cache-file.js';

/**
 * Which repositories of a registry already hold a blob, learnt from earlier pushes on this
 * machine, so a push to a new repository can mount instead of upload. Only a hint: a mount that
 * fails falls back to an upload, so a stale entry costs one request.
 */
export interface BlobLocations {
  /** Repositories of `registry` known to hold `digest`, most recent first. */
  lookup(registry: string, digest: string): string[];
  remember(registry: string, repository: string, digest: string): void;
  /** Writes what was learnt; a cache that cannot be written is skipped silently. */
  save(): Promise<void>;
}

/** Enough for the layers of a busy CI agent's recent images, small enough to parse in a blink. */
const MAX_DIGESTS = 5000;
const MAX_REPOSITORIES_PER_DIGEST = 4;

type Entries = Record<string, string[]>; // digest → ["registry/repository", ...]

export function defaultBlobLocationsFile(env: NodeJS.ProcessEnv = process.env): string {
  return cacheFile('blob-locations.json', env);
}

/** In-memory only: what this run learns, forgotten at exit. */
export function memoryBlobLocations(): BlobLocations {
  return new CachedBlobLocations({}, undefined);
}

export async function fileBlobLocations(file: string = defaultBlobLocationsFile()): Promise<BlobLocations> {
  return new CachedBlobLocations((await readJsonObject(file)) as Entries, file);
}

class CachedBlobLocations implements BlobLocations {
  private dirty = false;

  constructor(
    private readonly entries: Entries,
    private readonly file: string | undefined,
  ) {}

  lookup(registry: string, digest: string): string[] {
    const prefix = `${registry}/`;
    const list = this.entries[digest];
    if (!Array.isArray(list)) return [];
    return list.filter((e) => typeof e === 'string' && e.startsWith(prefix)).map((e) => e.slice(prefix.length));
  }

  remember(registry: string, repository: string, digest: string): void {
    const key = `${registry}/${repository}`;
    const list = (Array.isArray(this.entries[digest]) ? this.entries[digest] : []).filter((e) => e !== key);
    // Re-inserting moves the digest to the end of the object's key order: newest last.
    delete this.entries[digest];
    this.entries[digest] = [key, ...list].slice(0, MAX_REPOSITORIES_PER_DIGEST);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    if (await writeJsonAtomically(this.file, newest(this.entries, MAX_DIGESTS))) this.dirty = false;
  }
}
