import { createHash } from 'node:crypto';

/** One of `count` agents sharing a piece of work: `index` from 0 to count - 1. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Which shard an item (an image of a plan, a tag to sync) belongs to, by rendezvous hashing:
 * every shard scores the item and the highest score takes it. The same name always lands on the
 * same shard, on every agent, with no list to share; and when the count changes, only the
 * items whose winner changed move (about 1 in count + 1 when one shard is added), so the
 * agents' caches and the registries' mounts mostly stay where they were.
 */
export function shardOf(name: string, count: number): number {
  let best = 0;
  let bestScore = -1n;
  for (let shard = 0; shard < count; shard++) {
    const score = createHash('sha256').update(`${shard}\0${name}`).digest().readBigUInt64BE(0);
    if (score > bestScore) {
      best = shard;
      bestScore = score;
    }
  }
  return best;
}

/** The items of `shard`, in their order. */
export function itemsOfShard<T>(items: readonly T[], shard: Shard, nameOf: (item: T) => string): T[] {
  return items.filter((item) => shardOf(nameOf(item), shard.count) === shard.index);
}
