import { setMaxListeners } from 'node:events';
import type { Deadline, PlannedImage, PushEvent, RegistryReader } from '@hoist/core';
import { describeFailure } from './describe-failure.js';
import { parseRegistryRef } from './destination-refs.js';
import type { CommandContext } from './push-command.js';
import { registryOptions, sharedPushOptions } from './push-setup.js';
import { chooseReporter } from './reporters/choose-reporter.js';
import type { PlanOutcome } from './reporters/reporter.js';
import { finishPlan, outcomeOf } from './plan-outcomes.js';
import { removeResultFiles } from './result-files.js';
import { parseSyncArgs, SYNC_USAGE } from './sync-args.js';
import { UsageError } from './usage-error.js';

/** Tags looked up at once on each side before anything is copied (a HEAD each: cheap). */
const LOOKUPS_AT_ONCE = 16;
/** A mirror's images are many and mostly small: more of them in flight than a plan's default. */
const IMAGES_AT_ONCE = 16;

/**
 * `hoist sync SOURCE DESTINATION`: the source repository's tags, chosen and sharded, each looked
 * up on both sides (a HEAD each); those whose digest the destination already has are done, the
 * rest are copied as one plan (core's pushImages: a base layer shared by many tags crosses once).
 */
export async function syncCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const args = parseSyncArgs(argv, context.env);
  const { output } = context;
  if (args.help) {
    output.out(SYNC_USAGE);
    return 0;
  }
  const reporter = chooseReporter(args.push, output);
  const readers: RegistryReader[] = [];
  let deadline: Deadline | undefined;
  try {
    await removeResultFiles(args.push);
    const core = await import('@hoist/core');
    const source = parseRegistryRef(args.source, core.parseReference, 'source');
    if (source.digest !== undefined) throw new UsageError(`source ${args.source}: a sync copies tags; give the repository, or REPOSITORY:TAG`);
    const destination = destinationOf(args.destination);
    const targetRepository = destination.prefix ? `${destination.prefix}/${source.repository}` : source.repository;
    // Checked now, before any request: the names the images will have at the destination.
    core.parseReference(`${destination.registry}/${targetRepository}:latest`);

    const shared = await sharedPushOptions(core, args.push, context, { destinations: [destination.registry], sources: [source.registry] });
    deadline = core.startDeadline(args.push.timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    // Every image's requests listen on it; Node would call dozens of listeners a leak.
    setMaxListeners(0, signal);
    const from = core.registryReader(source.registry, { ...registryOptions(shared), signal });
    readers.push(from);
    const to = destination.registry === source.registry ? from : core.registryReader(destination.registry, { ...registryOptions(shared), signal });
    if (to !== from) readers.push(to);

    const nameOf = (tag: string) => `${source.registry}/${source.repository}:${tag}`;
    const listed = source.tag !== undefined ? [source.tag] : await from.listTags(source.repository);
    const chosen = core.selectTags(listed, args.selection);
    const tags = args.shard ? core.itemsOfShard(chosen, args.shard, nameOf) : chosen;
    if (args.shard) output.err(`hoist: shard ${args.shard.index}/${args.shard.count}: ${tags.length} of the ${chosen.length} tags chosen`);

    const looked = await atMost(LOOKUPS_AT_ONCE, tags, async (tag) => {
      const [at, there] = await Promise.all([from.manifestDigest(source.repository, tag), to.manifestDigest(targetRepository, tag)]);
      return { tag, at, there };
    });
    const copies: PlannedImage[] = looked
      .filter((l) => l.at === undefined || l.at !== l.there)
      .map(({ tag }) => ({
        name: nameOf(tag),
        open: () => core.openSource(`docker://${nameOf(tag)}`, registryOptions(shared), { env: context.env, compression: args.push.compression, signal }),
        destinations: [core.parseReference(`${destination.registry}/${targetRepository}:${tag}`)],
        platforms: args.push.platforms.map((p) => core.parsePlatform(p)),
      }));
    const results = await core.pushImages({ ...shared, images: copies, imagesAtOnce: IMAGES_AT_ONCE, deadline, signal, onEvent: (event: PushEvent) => reporter.event(event) });
    const timeLimit = { signal: deadline.signal, setting: args.push.timeoutSetting };
    const copied = new Map(results.map((r) => [r.name, r]));
    const outcomes: PlanOutcome[] = looked.map(({ tag, at }) => {
      const r = copied.get(nameOf(tag));
      return r ? outcomeOf(r, args.push.verbose, context.signal, timeLimit) : { name: nameOf(tag), unchanged: at! };
    });
    return await finishPlan(outcomes, args.push, reporter, 'sync');
  } catch (error) {
    const failure = describeFailure(error, args.push.verbose, context.signal);
    reporter.failed(failure.message, failure.code, failure.exitCode);
    return failure.exitCode;
  } finally {
    deadline?.clear();
    await Promise.all(readers.map((r) => r.close()));
  }
}

/** `REGISTRY[/PREFIX]`: the registry is what comes before the first slash, and must look like one. */
function destinationOf(text: string): { registry: string; prefix: string } {
  const [registry = '', ...rest] = text.replace(/\/+$/, '').split('/');
  if (!/[.:]|^localhost$/.test(registry)) throw new UsageError(`destination "${text}" does not start with a registry (registry.example.com/mirror)`);
  return { registry: registry.toLowerCase(), prefix: rest.join('/') };
}

/** `work` for every item, at most `limit` at once (each next one starting as one ends), results in order. */
async function atMost<T, R>(limit: number, items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
