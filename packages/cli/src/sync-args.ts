import type { TagSelection } from '@hoist/core';
import { applyEnvDefaults } from './env-defaults.js';
import { parseOptions } from './parse-options.js';
import { parseShard, PUSH_OPTIONS, pushArgsOf, type PushArgs } from './push-args.js';
import { UsageError } from './usage-error.js';

export const SYNC_USAGE = `Usage: hoist sync [options] <source>... <destination>
       hoist sync [options] --plan FILE

Mirrors images from one registry to another: the tags of a repository (all, or those chosen
below), or one tag. Each image keeps its tag, and an index its platforms.

  <source>        REGISTRY/REPOSITORY, or REGISTRY/REPOSITORY:TAG for one image; as many as
                  you like
  <destination>   REGISTRY[/PREFIX]: the images go to PREFIX/REPOSITORY
                  (docker.io/library/alpine:3.20 -> registry.corp/mirror/library/alpine:3.20)

Options:
      --tags REGEX        only the tags the expression matches whole ('3\\.2[0-9]\\..*')
      --semver RANGE      only the tags that are versions in RANGE ('>=1.2 <2', '^3.1', '3.x')
      --newest N          only the N highest versions among the tags left
      --plan FILE         the syncs FILE's sync section lists (YAML or JSON: sync: [{source,
                          destination, tags, semver, newest, platforms}], source a repository,
                          a reference or a list of them), all in one run
      --shard INDEX/COUNT this agent's share of the images (see hoist push --help)
      --platform, -j/--concurrency, --retries, --timeout, --image-refs, --json, -q, -v, and
      the credential, TLS and cache options of hoist push (see hoist push --help). Credentials
      given apply to the destination; the source uses the adapters' (hoist login, config.json).

A tag whose digest is already at the destination costs a HEAD on each side. Nothing is deleted
at the destination; a sync stopped halfway does only what is left when run again. A source
registry that asks to slow down (429 with Retry-After) is waited for by every image; once it
says no pulls are left (RateLimit-Remaining: 0, as Docker Hub does), the images not yet
started fail at once, to be copied by the next run.
Exit status: 0 all copied or already there, 1 an image failed, 2 usage or input error.
`;

export interface SyncArgs {
  /** The command line's sources and destination; none with --plan. */
  sources: string[];
  destination: string;
  selection: TagSelection;
  /** With --plan: the file whose sync section replaces sources, destination and selection. */
  plan?: string;
  shard?: { index: number; count: number };
  /** The options a push of each image takes. */
  push: PushArgs;
  help: boolean;
}

const SYNC_OPTIONS = {
  ...PUSH_OPTIONS,
  tags: { type: 'string' },
  semver: { type: 'string' },
  newest: { type: 'string' },
  shard: { type: 'string' },
  plan: { type: 'string' },
} as const;

export function parseSyncArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SyncArgs {
  const { values, positionals } = parseOptions(argv, SYNC_OPTIONS);
  const label = applyEnvDefaults(values, PUSH_OPTIONS, env);
  const help = values.help ?? false;
  const plan = values.plan;
  if (plan !== undefined) {
    if (positionals.length > 0) throw new UsageError('with --plan, the sources and destinations come from the plan file: give no others');
    for (const flag of ['tags', 'semver', 'newest'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} chooses tags on the command line; in a plan, give each entry its own ${flag}:`);
    }
  } else if (!help && positionals.length < 2) throw new UsageError('sync needs a source repository and a destination registry (with a prefix if you like)');
  for (const flag of ['tag', 'tag-file', 'tag-env', 'digest-file'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is push's: a sync keeps each image's own tag (use --image-refs or --json for what it copied)`);
  }
  const newest = values.newest;
  return {
    sources: positionals.slice(0, -1),
    destination: positionals.at(-1) ?? '',
    selection: {
      ...(values.tags === undefined ? {} : { pattern: values.tags }),
      ...(values.semver === undefined ? {} : { semver: values.semver }),
      ...(newest === undefined ? {} : { newest: newestOf(newest, (why) => new UsageError(`--newest ${why}`)) }),
    },
    ...(plan === undefined ? {} : { plan }),
    ...(values.shard === undefined ? {} : { shard: parseShard(values.shard, env) }),
    push: pushArgsOf(values, label, env, positionals[0] ?? '', []),
    help,
  };
}

/** `newest`'s count: a whole number from 1. */
export function newestOf(text: string, fail: (why: string) => UsageError): number {
  if (!/^[1-9]\d{0,5}$/.test(text)) throw fail(`takes a whole number from 1, not "${text}"`);
  return Number(text);
}
