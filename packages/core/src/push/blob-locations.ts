import { cacheFile, newest, readJsonObject, updateJsonObject } from '../cache-file.js';

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
  /** What this run learnt since it last saved, in order: merged into the file as it is then. */
  private learnt: [digest: string, key: string][] = [];
  /** Saves one after another: the images of a plan each save when they finish. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private entries: Entries,
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
    placeFirst(this.entries, digest, key);
    this.learnt.push([digest, key]);
  }

  save(): Promise<void> {
    this.saving = this.saving.then(() => this.saveLearnt());
    return this.saving;
  }

  private async saveLearnt(): Promise<void> {
    if (!this.file || this.learnt.length === 0) return;
    let merged = 0;
    const saved = await updateJsonObject(this.file, (current) => {
      merged = this.learnt.length;
      for (const [digest, key] of this.learnt) placeFirst(current as Entries, digest, key);
      // From now on lookups see the other processes' entries too.
      this.entries = newest(current as Entries, MAX_DIGESTS);
      return this.entries;
    });
    if (saved) this.learnt = this.learnt.slice(merged);
  }
}

/** `key` first among the repositories holding `digest`, and the digest newest (last in key order). */
function placeFirst(entries: Entries, digest: string, key: string): void {
  const list = (Array.isArray(entries[digest]) ? entries[digest] : []).filter((e) => e !== key);
  delete entries[digest];
  entries[digest] = [key, ...list].slice(0, MAX_REPOSITORIES_PER_DIGEST);
}
