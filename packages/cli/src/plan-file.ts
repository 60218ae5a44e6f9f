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
  const images = isRecord(plan) ? plan['images'] : undefined;
  if (!Array.isArray(images) || images.length === 0) throw fail('needs a list of images: `images: [{source: ..., destinations: [...]}]`');
  return images.map((image: unknown, i) => entryOf(image, (why) => fail(`images[${i}]: ${why}`)));
}

function entryOf(image: unknown, fail: (why: string) => UsageError): PlanEntry {
  if (!isRecord(image)) throw fail('is not a mapping of source, destinations, tags, platforms');
  const unknown = Object.keys(image).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw fail(`unknown field ${unknown[0]} (known: ${[...FIELDS].join(', ')})`);
  const source = image['source'];
  if (typeof source !== 'string' || source === '') throw fail('source is missing');
  const destinations = strings(image['destinations'], 'destinations', fail);
  if (destinations.length === 0) throw fail('destinations is missing');
  return { source, destinations, tags: strings(image['tags'], 'tags', fail), platforms: strings(image['platforms'], 'platforms', fail) };
}

/** A list of strings, or one string standing for a list of one; empty when left out or blank. */
function strings(value: unknown, field: string, fail: (why: string) => UsageError): string[] {
  if (value === undefined || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string' && v !== '')) throw fail(`${field} must be a list of strings`);
  return list as string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
