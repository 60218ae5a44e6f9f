import { setMaxListeners } from 'node:events';
import type { Deadline, ImageReference, RegistryPool } from '@hoist/core';
import { describeFailure } from './describe-failure.js';
import type { PushArgs } from './push-args.js';
import type { CommandContext } from './push-command.js';
import { registryPool, sharedPushOptions, type SharedPushOptions } from './push-setup.js';
import { chooseReporter } from './reporters/choose-reporter.js';

type Core = typeof import('@hoist/core');

export interface VerbTools {
  core: Core;
  shared: SharedPushOptions;
  /** One client per registry for the verb's requests, with the push's credentials and TLS. */
  pool: RegistryPool;
  signal: AbortSignal;
}

/**
 * What every registry verb does around its work, as a push does: the adapters and credentials
 * (flags given apply to the registry of the image `imageOf` reads from the arguments, before any
 * request), TLS, retries and --timeout; a failure is one line (or a JSON error object) with
 * push's exit codes: 1 for the registry's refusals and the network's failures, 2 for usage and
 * input errors, 130/143 when interrupted.
 */
export async function runVerb<Image extends ImageReference | undefined>(
  args: PushArgs,
  context: CommandContext,
  imageOf: (core: Core) => Image,
  work: (tools: VerbTools, image: Image) => Promise<void>,
): Promise<number> {
  const reporter = chooseReporter(args, context.output);
  let deadline: Deadline | undefined;
  let pool: RegistryPool | undefined;
  try {
    const core = await import('@hoist/core');
    const image = imageOf(core);
    const shared = await sharedPushOptions(core, args, context, { destinations: image ? [image.registry] : [], sources: [] });
    deadline = core.startDeadline(args.timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    setMaxListeners(0, signal);
    pool = registryPool(core, shared, { signal, deadline, onEvent: (event) => reporter.event(event) });
    await work({ core, shared, pool, signal }, image);
    return 0;
  } catch (error) {
    const failure = describeFailure(error, args.verbose, context.signal, 'nothing completed', deadline ? { signal: deadline.signal, setting: args.timeoutSetting } : undefined);
    reporter.failed(failure.message, failure.code, failure.exitCode);
    return failure.exitCode;
  } finally {
    deadline?.clear();
    await pool?.close();
  }
}

/** The digest `image` names: its own, or the registry's answer to one HEAD. */
export async function digestOf(tools: VerbTools, image: ImageReference, text: string): Promise<string> {
  const digest = image.digest ?? (await tools.pool.reader(image.registry).manifestDigest(image.repository, image.tag ?? 'latest'));
  if (digest === undefined) throw new tools.core.PushError('MANIFEST_UNKNOWN', `${text}: no such image in ${image.registry}`);
  return digest;
}
