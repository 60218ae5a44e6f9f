import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

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
  const base = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'hoist', 'blob-locations.json');
}

/** In-memory only: what this run learns, forgotten at exit. */
export function memoryBlobLocations(): BlobLocations {
  return new CachedBlobLocations({}, undefined);
}

export async function fileBlobLocations(file: string = defaultBlobLocationsFile()): Promise<BlobLocations> {
  let entries: Entries = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) entries = parsed as Entries;
  } catch {
    // Missing or damaged: start afresh, it is only a cache.
  }
  return new CachedBlobLocations(entries, file);
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
    const digests = Object.keys(this.entries);
    const kept: Entries = {};
    for (const digest of digests.slice(Math.max(digests.length - MAX_DIGESTS, 0))) kept[digest] = this.entries[digest]!;
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(temp, JSON.stringify(kept), { mode: 0o600 });
      await rename(temp, this.file);
      this.dirty = false;
    } catch {
      // A read-only home or a full disk must not fail a push that has already landed.
    }
  }
}
