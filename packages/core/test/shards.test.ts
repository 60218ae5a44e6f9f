import { describe, expect, it } from 'vitest';
import { itemsOfShard, shardOf } from '../src/index.js';

const names = Array.from({ length: 300 }, (_, i) => `docker.io/library/app${i}:1.${i % 7}`);

describe('shards', () => {
  it('give every item to exactly one of the shards, the same one every time', () => {
    const parts = [0, 1, 2].map((index) => itemsOfShard(names, { index, count: 3 }, (n) => n));
    expect(parts.flat().sort()).toEqual([...names].sort());
    for (const part of parts) expect(part.length).toBeGreaterThan(70);
    expect(names.map((n) => shardOf(n, 3))).toEqual(names.map((n) => shardOf(n, 3)));
  });

  it('move only the items the new shard takes when one is added', () => {
    const moved = names.filter((n) => shardOf(n, 3) !== shardOf(n, 4));
    // Each moved item went to the new shard; about a quarter move, not most of them.
    expect(moved.every((n) => shardOf(n, 4) === 3)).toBe(true);
    expect(moved.length).toBeGreaterThan(40);
    expect(moved.length).toBeLessThan(110);
  });

  it('has one shard take everything when there is one', () => {
    expect(itemsOfShard(names, { index: 0, count: 1 }, (n) => n)).toEqual(names);
  });
});
