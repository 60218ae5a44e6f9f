import { setMaxListeners } from 'node:events';
import type { Deadline, PlannedImage, PushEvent, RegistryPool } from '@hoist/core';
import { describeFailure } from './describe-failure.js';
import { parseRegistryRef, sourceRegistries } from './destination-refs.js';
import { readPlanFile } from './plan-file.js';
import type { PushArgs } from './push-args.js';
import type { CommandContext } from './push-command.js';
import { chooseReporter } from './reporters/choose-reporter.js';
import { finishPlan, outcomeOf } from './plan-outcomes.js';
import { removeResultFiles } from './result-files.js';
import { registryPool, registryOptions, sharedPushOptions } from './push-setup.js';
import { UsageError } from './usage-error.js';
import { plural } from './format.js';

/**
 * `hoist push --plan FILE`: every image of the plan pushed at once as one push (core's
 * pushImages), the command line's options applied to all and its tags added to each. An image
 * that fails stops no other; the exit status is the highest of the images'.
 */
export async function runPlan(args: PushArgs, file: string, context: CommandContext): Promise<number> {
  const { output } = context;
  const reporter = chooseReporter(args, output);
  let deadline: Deadline | undefined;
  let pool: RegistryPool | undefined;
  try {
    await removeResultFiles(args);
    const planned = await readPlanFile(file);
    const core = await import('@hoist/core');
    // An image is known by its source: wherever it is listed, it lands on the same shard.
    const entries = args.shard ? core.itemsOfShard(planned, args.shard, (e) => e.source) : planned;
    if (args.shard) output.err(`hoist: shard ${args.shard.index}/${args.shard.count}: ${entries.length} of the plan's ${plural(planned.length, 'image')}`);
    await core.sweepStaleScratch();
    const images = entries.map((entry) => {
      const inPlan = (why: string) => new UsageError(`--plan ${file}: images[${planned.indexOf(entry)}]: ${why}`);
      const local = entry.destinations.find((d) => d.startsWith('oci:') || d.startsWith(core.DAEMON_PREFIX));
      if (local) throw inPlan(`${local}: a plan pushes to registries only`);
      return {
        entry,
        destinations: entry.destinations.map((d) => parseRegistryRef(d, core.parseReference, 'destination')),
        platforms: (entry.platforms.length > 0 ? entry.platforms : args.platforms).map((p) => core.parsePlatform(p)),
      };
    });
    const sources = entries.flatMap((e) => sourceRegistries(e.source, core.parseReference));
    const shared = await sharedPushOptions(core, args, context, { destinations: images.flatMap((image) => image.destinations.map((d) => d.registry)), sources });
    deadline = core.startDeadline(args.timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    // Every image's requests listen on it; Node would call dozens of listeners a leak.
    setMaxListeners(0, signal);
    const onEvent = (event: PushEvent) => reporter.event(event);
    // The images read from registries (docker://) share one client per source registry.
    const reading = (pool = registryPool(core, shared, { signal, deadline, onEvent }));
    const toPush: PlannedImage[] = images.map(({ entry, destinations, platforms }) => ({
      name: entry.source,
      open: async () => {
        // As for one push: a daemon's export waits until the image's destinations have answered.
        if (entry.source.startsWith(core.DAEMON_PREFIX)) await core.checkPushAccess({ ...shared, destinations, tags: [...entry.tags, ...args.tags], deadline, onEvent, signal });
        return core.openSource(entry.source, { ...registryOptions(shared), pool: reading }, { env: context.env, compression: args.compression, signal, onEvent, ...(args.maxDecompressed === undefined ? {} : { maxDecompressed: args.maxDecompressed }) });
      },
      destinations,
      tags: [...entry.tags, ...args.tags],
      platforms,
    }));
    const results = await core.pushImages({ ...shared, images: toPush, deadline, signal, onEvent });
    const timeLimit = { signal: deadline.signal, setting: args.timeoutSetting };
    return await finishPlan(
      results.map((r) => outcomeOf(r, args.verbose, context.signal, timeLimit)),
      args,
      reporter,
      'plan',
      output,
    );
  } catch (error) {
    const failure = describeFailure(error, args.verbose, context.signal);
    reporter.failed(failure.message, failure.code, failure.exitCode);
    return failure.exitCode;
  } finally {
    deadline?.clear();
    await pool?.close();
  }
}
