import { PushError } from '../errors.js';
import { isDeadlineReason } from '../deadline.js';
import { Limiter } from '../push/limiter.js';
import type { PlatformSpec } from '../push/platforms.js';
import { formatReference, parseReference, type ImageReference } from '../reference.js';
import type { RegistryPool } from '../registry/registry-pool.js';
import type { TagListing } from '../registry/registry-reader.js';
import { pullImage } from '../sources/registry-source.js';
import { pushImages, type PlannedImage, type PlannedResult, type PlanOptions } from './push-plan.js';
import { selectTags, type TagSelection } from './tag-selection.js';

/** Where a sync sends images: a registry, and a path put before each repository's own. */
export interface SyncDestination {
  registry: string;
  /** `mirror` sends docker.io/library/alpine:3.20 to REGISTRY/mirror/library/alpine:3.20. */
  prefix?: string;
}

/** One line of a sync (a command line, an entry of a plan's `sync` section). */
export interface SyncEntry {
  /** Repositories, each with its tags (those `selection` chooses), and references to one tag each. */
  sources: readonly ImageReference[];
  destination: SyncDestination;
  /** Applies to the repositories' tags; a source's own tag is always copied. */
  selection?: TagSelection;
  /** Only these platforms of an index; all when empty. */
  platforms?: readonly PlatformSpec[];
}

/** One image a sync copies: a tag, and the name it gets at the destination. */
export interface SyncItem {
  source: ImageReference & { tag: string };
  target: ImageReference & { tag: string };
  platforms: readonly PlatformSpec[];
}

export type SyncResult = PlannedResult | { name: string; unchanged: string; result?: undefined; error?: undefined };

/** The images a sync's entries name, and the sources whose tags could not be listed (with why). */
export interface SyncListing {
  items: SyncItem[];
  /** A repository deleted upstream, a registry down past the retries: the other sources go on. */
  unlisted: { name: string; error: unknown }[];
  /** Names a source listed that are not tags (`../../evil`, a newline): left out, for one warning a source. */
  invalid: { name: string; tags: string[] }[];
}

export type SyncOptions = Omit<PlanOptions, 'images'> & {
  items: readonly SyncItem[];
  /** Reads the sources and looks up both sides; the caller's, to share with listSyncItems and to close. */
  pool: RegistryPool;
};

/** Tags looked up at once (a HEAD each, cheap), and repositories listed at once. */
const LOOKUPS_AT_ONCE = 16;
/** A mirror's images are many and mostly small: more of them in flight than a plan's default. */
export const SYNC_IMAGES_AT_ONCE = 16;

/**
 * The images `entries` name, in their order: each repository's tags listed and chosen, each
 * reference's own tag. An image named twice is copied once; two sources that would land on one
 * name are refused before anything is copied. A repository whose tags cannot be listed is set
 * aside, with why, and the others go on; a mistake of the user's (a pattern that is not one)
 * stops everything.
 */
export async function listSyncItems(entries: readonly SyncEntry[], pool: RegistryPool): Promise<SyncListing> {
  const unlisted: SyncListing['unlisted'] = [];
  const invalid: SyncListing['invalid'] = [];
  const limiter = new Limiter(LOOKUPS_AT_ONCE);
  // Every name checked before any request: a source by digest, a name too long at the destination.
  const lines = entries.flatMap((entry) =>
    entry.sources.map((source) => {
      if (source.digest !== undefined) throw new PushError('USAGE', `source ${formatReference(source)}: a sync copies tags; give the repository, or REPOSITORY:TAG`);
      const { registry, prefix } = entry.destination;
      const repository = prefix ? `${prefix}/${source.repository}` : source.repository;
      parseReference(`${registry}/${repository}:latest`);
      return { entry, source, at: (tag: string): SyncItem => ({ source: { ...source, tag }, target: { registry, repository, tag }, platforms: entry.platforms ?? [] }) };
    }),
  );
  const listed = await Promise.all(
    lines.map(({ entry, source, at }) => {
      if (source.tag !== undefined) return [at(source.tag)];
      return limiter.run(async () => {
        let listing: TagListing;
        try {
          listing = await pool.reader(source.registry).listTags(source.repository);
        } catch (error) {
          // A signal stops the sync where it stands; the time limit fails this source with its
          // line, and the run still ends with the summary.
          if (pool.signal?.aborted && !isDeadlineReason(pool.signal.reason)) throw error;
          unlisted.push({ name: formatReference(source), error });
          return [];
        }
        if (listing.invalid.length > 0) invalid.push({ name: formatReference(source), tags: listing.invalid });
        return selectTags(listing.tags, entry.selection ?? {}).map(at);
      });
    }),
  );
  const from = new Map<string, string>();
  const items = listed.flat().filter((candidate) => {
    const target = formatReference(candidate.target);
    const source = formatReference(candidate.source);
    const earlier = from.get(target);
    if (earlier !== undefined && earlier !== source) throw new PushError('USAGE', `${target} would be copied from both ${earlier} and ${source}: give one of them another destination prefix`);
    from.set(target, source);
    return earlier === undefined;
  });
  return { items, unlisted, invalid };
}

/**
 * Copies the items not yet at their destination: every tag looked up on both sides first (a HEAD
 * each); one whose digest is already there is done, the rest go as one plan (pushImages: a base
 * layer shared by many tags crosses once). Nothing at the destination is deleted, so a sync
 * stopped halfway does only what is left when run again. Results come in the items' order.
 */
export async function syncImages(options: SyncOptions): Promise<SyncResult[]> {
  const { items, pool, ...plan } = options;
  const limiter = new Limiter(LOOKUPS_AT_ONCE);
  const looked = await Promise.all(
    items.map((item) =>
      limiter.run(async () => {
        try {
          const [at, there] = await Promise.all([
            pool.reader(item.source.registry).manifestDigest(item.source.repository, item.source.tag),
            pool.reader(item.target.registry).manifestDigest(item.target.repository, item.target.tag),
          ]);
          return { item, at, there };
        } catch (error) {
          // This image fails, the others go on; an interruption stops them all.
          if (plan.signal?.aborted) throw error;
          return { item, error };
        }
      }),
    ),
  );
  const missing = looked.filter((look) => look.error === undefined && (look.at === undefined || look.at !== look.there));
  const copies: PlannedImage[] = missing.map(({ item }) => ({
    name: formatReference(item.source),
    open: () => pullImage(pool, item.source, plan.signal),
    destinations: [item.target],
    platforms: item.platforms,
  }));
  const results = await pushImages({ imagesAtOnce: SYNC_IMAGES_AT_ONCE, ...plan, images: copies });
  // By position, not name: one source may go to two destinations.
  const copied = new Map(missing.map((look, i) => [look, results[i]!]));
  return looked.map((look) => {
    const name = formatReference(look.item.source);
    if (look.error !== undefined) return { name, error: look.error };
    return copied.get(look) ?? { name, unchanged: look.at! };
  });
}
