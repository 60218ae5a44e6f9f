import { setMaxListeners } from 'node:events';
import type { Deadline, PushEvent, RegistryPool, SyncEntry } from '@hoist/core';
import { describeFailure } from './describe-failure.js';
import { parseRegistryRef } from './destination-refs.js';
import type { CommandContext } from './push-command.js';
import { registryPool, sharedPushOptions } from './push-setup.js';
import { chooseReporter } from './reporters/choose-reporter.js';
import type { PlanOutcome } from './reporters/reporter.js';
import { droppedLine, linesOf, plural } from './format.js';
import { finishPlan, outcomeOf } from './plan-outcomes.js';
import { removeResultFiles } from './result-files.js';
import { parseSyncArgs, SYNC_USAGE, type SyncArgs } from './sync-args.js';
import { readSyncPlan } from './sync-plan-file.js';
import { UsageError } from './usage-error.js';

type Core = typeof import('@hoist/core');

/**
 * `hoist sync SOURCE... DESTINATION` and `hoist sync --plan FILE`: the images the sources name
 * (a repository's tags, chosen; a reference's own tag), sharded, then core's syncImages: each
 * looked up on both sides (a HEAD each), those whose digest the destination already has done,
 * the rest copied as one plan. One RegistryPool for the run, so a source registry's "slow down"
 * and what it says is left of its pulls hold for every image read from it.
 */
export async function syncCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const args = parseSyncArgs(argv, context.env);
  const { output } = context;
  if (args.help) {
    output.out(SYNC_USAGE);
    return 0;
  }
  const reporter = chooseReporter(args.push, output);
  let pool: RegistryPool | undefined;
  let deadline: Deadline | undefined;
  try {
    await removeResultFiles(args.push);
    const core = await import('@hoist/core');
    const entries = await syncEntries(args, core);
    const shared = await sharedPushOptions(core, args.push, context, {
      destinations: entries.map((e) => e.destination.registry),
      sources: entries.flatMap((e) => e.sources.map((s) => s.registry)),
    });
    deadline = core.startDeadline(args.push.timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    // Every image's requests listen on it; Node would call dozens of listeners a leak.
    setMaxListeners(0, signal);
    const onEvent = (event: PushEvent) => reporter.event(event);
    pool = registryPool(core, shared, { signal, deadline, onEvent });

    const { items: chosen, unlisted, invalid } = await core.listSyncItems(entries, pool);
    for (const source of invalid) linesOf(output).err(droppedLine(source.name, 'names that are not tags (not copied)', source.tags));
    const nameOf = (item: (typeof chosen)[number]) => core.formatReference(item.source);
    const items = args.shard ? core.itemsOfShard(chosen, args.shard, nameOf) : chosen;
    if (args.shard) linesOf(output).err(`hoist: shard ${args.shard.index}/${args.shard.count}: ${items.length} of the ${plural(chosen.length, 'image')} chosen`);

    const results = await core.syncImages({ ...shared, items, pool, deadline, signal, onEvent });
    const timeLimit = { signal: deadline.signal, setting: args.push.timeoutSetting };
    // A source whose tags could not be listed gets its line among the images' (every shard says it).
    const outcomes: PlanOutcome[] = [...unlisted, ...results].map((r) => ('unchanged' in r ? { name: r.name, unchanged: r.unchanged } : outcomeOf(r, args.push.verbose, context.signal, timeLimit)));
    return await finishPlan(outcomes, args.push, reporter, 'sync', output);
  } catch (error) {
    const failure = describeFailure(error, args.push.verbose, context.signal);
    reporter.failed(failure.message, failure.code, failure.exitCode);
    return failure.exitCode;
  } finally {
    deadline?.clear();
    await pool?.close();
  }
}

/** The command line's one sync, or the plan's, parsed and checked before any request. */
async function syncEntries(args: SyncArgs, core: Core): Promise<SyncEntry[]> {
  const platformsOf = (given: readonly string[]) => (given.length > 0 ? given : args.push.platforms).map((p) => core.parsePlatform(p));
  if (args.plan === undefined) {
    return [{ sources: args.sources.map((s) => sourceOf(s, core)), destination: destinationOf(args.destination), selection: args.selection, platforms: platformsOf([]) }];
  }
  const file = args.plan;
  return (await readSyncPlan(file)).map((entry, i) => {
    try {
      return { sources: entry.sources.map((s) => sourceOf(s, core)), destination: destinationOf(entry.destination), selection: entry.selection, platforms: platformsOf(entry.platforms) };
    } catch (error) {
      throw new UsageError(`--plan ${file}: sync[${i}]: ${(error as Error).message}`);
    }
  });
}

function sourceOf(text: string, core: Core) {
  const source = parseRegistryRef(text, core.parseReference, 'source');
  if (source.digest !== undefined) throw new UsageError(`source ${text}: a sync copies tags; give the repository, or REPOSITORY:TAG`);
  return source;
}

/** `REGISTRY[/PREFIX]`: the registry is what comes before the first slash, and must look like one. */
function destinationOf(text: string): { registry: string; prefix: string } {
  const [registry = '', ...rest] = text.replace(/\/+$/, '').split('/');
  if (!/[.:]|^localhost$/.test(registry)) throw new UsageError(`destination "${text}" does not start with a registry (registry.example.com/mirror)`);
  return { registry: registry.toLowerCase(), prefix: rest.join('/') };
}
