import type { TagSelection } from '@hoist/core';
import { mappingOf, readPlanSection, strings } from './plan-file.js';
import { newestOf } from './sync-args.js';
import type { UsageError } from './usage-error.js';

/**
 * A plan's `sync` section, for `hoist sync --plan FILE` (the same file as a push plan's, which
 * may hold both). Each entry is what the command line takes for one sync:
 *
 *   sync:
 *     - source: docker.io/library/alpine
 *       destination: registry.corp/mirror
 *       tags: '3\.2[0-9]\..*'
 *     - source: [docker.io/library/busybox:1.36, quay.io/prometheus/node-exporter:v1.8.2]
 *       destination: registry.corp/mirror
 *       platforms: [linux/amd64, linux/arm64]
 */
export interface SyncPlanEntry {
  /** Repositories and references to one tag each. */
  sources: string[];
  destination: string;
  selection: TagSelection;
  platforms: string[];
}

const FIELDS = new Set(['source', 'destination', 'tags', 'semver', 'newest', 'platforms']);

export async function readSyncPlan(file: string): Promise<SyncPlanEntry[]> {
  const { entries, fail } = await readPlanSection(file, 'sync', '`sync: [{source: REPOSITORY, destination: REGISTRY/PREFIX}]`');
  return entries.map((entry, i) => syncEntryOf(entry, (why) => fail(`sync[${i}]: ${why}`)));
}

function syncEntryOf(entry: unknown, fail: (why: string) => UsageError): SyncPlanEntry {
  const fields = mappingOf(entry, FIELDS, fail);
  const sources = strings(fields['source'], 'source', fail);
  if (sources.length === 0) throw fail('source is missing');
  const destination = fields['destination'];
  if (typeof destination !== 'string' || destination === '') throw fail('destination is missing (a registry, and a path prefix if you like)');
  const text = (field: string): string | undefined => {
    const value = fields[field];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw fail(`${field} must be a string`);
    return value;
  };
  const pattern = text('tags');
  const range = text('semver');
  const newest = text('newest');
  return {
    sources,
    destination,
    selection: {
      ...(pattern === undefined ? {} : { pattern }),
      ...(range === undefined ? {} : { semver: range }),
      ...(newest === undefined ? {} : { newest: newestOf(newest, (why) => fail(`newest ${why}`)) }),
    },
    platforms: strings(fields['platforms'], 'platforms', fail),
  };
}
