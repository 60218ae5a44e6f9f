import type { Deadline, ImageSource, PushEvent } from '@hoist/core';
import type { Output } from './output.js';
import { checkRegistryTags, parsePushArgs, PUSH_USAGE, type PushArgs } from './push-args.js';
import { registryOptions, registryPool, sharedPushOptions } from './push-setup.js';
import { UsageError } from './usage-error.js';
import { chooseReporter } from './reporters/choose-reporter.js';
import { describeFailure } from './describe-failure.js';
import { daemonDestination, parseRegistryRef, sourceRegistries } from './destination-refs.js';
import { ProgressTally } from './progress-tally.js';
import { runPlan } from './plan-command.js';
import { imageRefs, removeResultFiles, writeResultFile } from './result-files.js';

export interface CommandContext {
  output: Output;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export async function pushCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const args = parsePushArgs(argv, context.env);
  if (args.help) {
    context.output.out(PUSH_USAGE);
    return 0;
  }
  if (args.plan !== undefined) return runPlan(args, args.plan, context);
  return runPush(args, context, (_core, { open }) => open(args.source));
}

type Core = typeof import('@hoist/core');

/**
 * The image to push, given core, a way to open a source spec with the push's credentials and
 * TLS settings, and the signal that stops it (interruption, --timeout): `push` opens its source;
 * `build` opens its base and builds on it.
 */
export type ImageMaker = (core: Core, tools: { open(spec: string): Promise<ImageSource>; signal: AbortSignal }) => Promise<ImageSource>;

/** Everything a push does around the engine: credentials, output, result files, the exit code. */
export async function runPush(args: PushArgs, context: CommandContext, makeImage: ImageMaker): Promise<number> {
  const { output } = context;
  const reporter = chooseReporter(args, output);
  const progress = new ProgressTally();
  let source: ImageSource | undefined;
  let deadline: Deadline | undefined;
  try {
    await removeResultFiles(args);
    // Loaded here, not at start-up: `hoist --version` and `--help` stay quick.
    const core = await import('@hoist/core');
    await core.sweepStaleScratch();
    const isRegistry = (d: string) => !d.startsWith('oci:') && !d.startsWith(core.DAEMON_PREFIX);
    const destinations = args.destinations.filter(isRegistry).map((d) => parseRegistryRef(d, core.parseReference, 'destination'));
    if (destinations.length > 0) checkRegistryTags(args.tags);
    const daemonDestinations = args.destinations.filter((d) => d.startsWith(core.DAEMON_PREFIX)).map((d) => daemonDestination(d, args.tags, core.parseReference));
    const layoutDestinations = args.destinations
      .filter((d) => d.startsWith('oci:'))
      .map((d) => core.parseOciLayoutSpec(d))
      .map((spec) => ({ path: spec.path, refs: spec.ref === undefined ? [] : [spec.ref] }));
    // Before the source is read (a daemon's export can take minutes): core refuses them too.
    for (const layout of layoutDestinations) core.checkLayoutRefs(layout.path, [...layout.refs, ...args.tags]);
    const platforms = args.platforms.map((p) => core.parsePlatform(p));
    const shared = await sharedPushOptions(core, args, context, { destinations: destinations.map((d) => d.registry), sources: sourceRegistries(args.source, core.parseReference) });
    // --timeout covers reading the source too (a daemon's export, a registry's manifest).
    deadline = core.startDeadline(args.timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    const onEvent = (event: PushEvent) => {
      progress.count(event);
      reporter.event(event);
    };
    if (args.includeReferrers && (!args.source.startsWith('docker://') || layoutDestinations.length + daemonDestinations.length > 0)) {
      throw new UsageError('--include-referrers copies what refers to an image from one registry to others: a docker://REF source, registry destinations');
    }
    const open = async (spec: string) => {
      // Checks before work (pushImage makes them too, once the source's documents are read): a
      // daemon's export takes seconds to minutes, so a registry that is down or a wrong password is found before it starts.
      if (spec.startsWith(core.DAEMON_PREFIX)) await core.checkPushAccess({ ...shared, destinations, tags: args.tags, deadline, onEvent, signal });
      return core.openSource(spec, registryOptions(shared), { env: context.env, compression: args.compression, signal, onEvent, ...(args.maxDecompressed === undefined ? {} : { maxDecompressed: args.maxDecompressed }) });
    };
    source = await makeImage(core, { open, signal });
    const result = await core.pushImage({
      ...shared,
      source,
      destinations,
      tags: args.tags,
      layoutDestinations,
      daemonDestinations,
      platforms,
      deadline,
      onEvent,
      signal,
    });
    if (args.includeReferrers) {
      // After the image, so that every referrer's subject is there before it is listed.
      await using pool = registryPool(core, shared, { signal, deadline, onEvent });
      const from = core.parseReference(args.source.slice('docker://'.length));
      const copied = await core.copyReferrers({ ...shared, pool, from, to: destinations, deadline, signal, onEvent });
      if (!args.quiet) output.err(`hoist: referrers: ${copied} copied (signatures, SBOMs, attestations of the image and its platforms)`);
    }
    if (args.digestFile !== undefined) await writeResultFile(args.digestFile, `${result.digest}\n`, output);
    if (args.imageRefs !== undefined) await writeResultFile(args.imageRefs, imageRefs(result), output);
    reporter.done(result);
    return 0;
  } catch (error) {
    const timeLimit = deadline ? { signal: deadline.signal, setting: args.timeoutSetting } : undefined;
    const failure = describeFailure(error, args.verbose, context.signal, progress.describe(), timeLimit);
    reporter.failed(failure.message, failure.code, failure.exitCode);
    return failure.exitCode;
  } finally {
    deadline?.clear();
    await source?.close?.();
  }
}
