import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

/**
 * A push plan: the images one `hoist push --plan FILE` pushes together, in YAML or JSON (JSON
 * is YAML too). Each entry takes what the command line takes for one image:
 *
 *   images:
 *     - source: oci:build/backend
 *       destinations: [registry.corp/team/backend:1.4.2]
 *       tags: [latest]
 *     - source: docker-archive:frontend.tar
 *       destinations: [registry.corp/team/frontend:1.4.2, ghcr.io/acme/frontend:1.4.2]
 *       platforms: [linux/amd64]
 */
export interface PlanEntry {
  source: string;
  destinations: string[];
  tags: string[];
  platforms: string[];
}

const FIELDS = new Set(['source', 'destinations', 'tags', 'platforms']);

export async function readPlanFile(file: string): Promise<PlanEntry[]> {
  const { entries, fail } = await readPlanSection(file, 'images', '`images: [{source: ..., destinations: [...]}]`');
  return entries.map((image, i) => entryOf(image, (why) => fail(`images[${i}]: ${why}`)));
}

/**
 * The list under `section` of a plan file (`images` for push, `sync` for sync: one file may hold
 * both), and how to say what is wrong in it.
 */
export async function readPlanSection(file: string, section: string, example: string): Promise<{ entries: unknown[]; fail: (why: string) => UsageError }> {
  const fail = (why: string) => new UsageError(`--plan ${file}: ${why}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fail(`cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  let plan: unknown;
  try {
    // Loaded here: a push without a plan does not pay for the parser.
    const { parse } = await import('yaml');
    // Every scalar a string: `tags: [42, 1.0]` means the tags 42 and 1.0, not numbers.
    plan = parse(text, { schema: 'failsafe', prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    throw fail(`not YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const entries = isRecord(plan) ? plan[section] : undefined;
  if (!Array.isArray(entries) || entries.length === 0) throw fail(`needs a list of ${section === 'images' ? 'images' : `${section} entries`}: ${example}`);
  return { entries, fail };
}

function entryOf(image: unknown, fail: (why: string) => UsageError): PlanEntry {
  const fields = mappingOf(image, FIELDS, fail);
  const source = fields['source'];
  if (typeof source !== 'string' || source === '') throw fail('source is missing');
  const destinations = strings(fields['destinations'], 'destinations', fail);
  if (destinations.length === 0) throw fail('destinations is missing');
  return { source, destinations, tags: strings(fields['tags'], 'tags', fail), platforms: strings(fields['platforms'], 'platforms', fail) };
}

/** An entry's fields, when it is a mapping of only the fields known. */
export function mappingOf(entry: unknown, known: ReadonlySet<string>, fail: (why: string) => UsageError): Record<string, unknown> {
  if (!isRecord(entry)) throw fail(`is not a mapping of ${[...known].join(', ')}`);
  const unknown = Object.keys(entry).filter((key) => !known.has(key));
  if (unknown.length > 0) throw fail(`unknown field ${unknown[0]} (known: ${[...known].join(', ')})`);
  return entry;
}

/** A list of strings, or one string standing for a list of one; empty when left out or blank. */
export function strings(value: unknown, field: string, fail: (why: string) => UsageError): string[] {
  if (value === undefined || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string' && v !== '')) throw fail(`${field} must be a list of strings`);
  return list as string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
