import { rename, rm, writeFile } from 'node:fs/promises';
import type { Deadline, ImageSource, PushEvent, PushResult } from '@hoist/core';
import type { Output } from './output.js';
import { parsePushArgs, PUSH_USAGE, type PushArgs } from './push-args.js';
import { adapterChain, missingAdapterNotices } from '@hoist/adapters';
import { hoistDirectory } from './hoist-directory.js';
import { tlsSettings } from './connection-options.js';
import { resolveLookup } from './resolve-lookup.js';
import { explicitCredentials } from './explicit-credentials.js';
import { jsonReporter } from './reporters/json-reporter.js';
import { plainReporter } from './reporters/plain-reporter.js';
import type { Reporter } from './reporters/reporter.js';
import { ttyReporter } from './reporters/tty-reporter.js';
import { describeFailure } from './describe-failure.js';
import { UsageError } from './usage-error.js';
import { daemonDestination, parseRegistryRef } from './destination-refs.js';
import { ProgressTally } from './progress-tally.js';

export interface CommandContext {
  output: Output;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

const REGISTRY_SOURCE = 'docker://';

export async function pushCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const args = parsePushArgs(argv, context.env);
  if (args.help) {
    context.output.out(PUSH_USAGE);
    return 0;
  }
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
    const daemonDestinations = args.destinations.filter((d) => d.startsWith(core.DAEMON_PREFIX)).map((d) => daemonDestination(d, args.tags, core.parseReference));
    const layoutDestinations = args.destinations
      .filter((d) => d.startsWith('oci:'))
      .map((d) => core.parseOciLayoutSpec(d))
      .map((spec) => ({ path: spec.path, refs: spec.ref === undefined ? [] : [spec.ref] }));
    const platforms = args.platforms.map((p) => core.parsePlatform(p));
    const given = await explicitCredentials(args, context, output);
    const explicit = given ? { ...given, registries: destinations.map((d) => d.registry) } : undefined;
    const { adapters, missing } = await adapterChain({
      credentials: explicit ? { explicit } : {},
      createRepository: args.createRepository,
      plugins: args.adapters,
      pluginsFrom: hoistDirectory(),
      env: context.env,
      onCredential: (c) => output.addCredential(c),
    });
    const registries = destinations.map((d) => d.registry);
    if (args.source.startsWith(REGISTRY_SOURCE)) registries.push(parseRegistryRef(args.source.slice(REGISTRY_SOURCE.length), core.parseReference, 'source').registry);
    for (const notice of missingAdapterNotices(registries, missing)) output.err(`hoist: note: ${notice}`);
    const lookup = resolveLookup(args.resolve);
    const tls = tlsSettings(args);
    if (args.insecure) warnInsecure(output);
    const onSecret = (secret: string) => output.addSecret(secret);
    // --timeout covers reading the source too (a daemon's export, a registry's manifest).
    deadline = core.startDeadline(args.timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    const registryOptions = { adapters, tls, plainHttpHosts: args.plainHttp, onSecret, ...(lookup ? { lookup } : {}) };
    source = await makeImage(core, { open: (spec) => core.openSource(spec, registryOptions, { env: context.env, compression: args.compression, signal }), signal });
    const result = await core.pushImage({
      source,
      destinations,
      tags: args.tags,
      layoutDestinations,
      daemonDestinations,
      env: context.env,
      platforms,
      adapters,
      tls,
      ...(lookup ? { lookup } : {}),
      plainHttpHosts: args.plainHttp,
      ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
      ...(args.retries === undefined ? {} : { retryPolicy: { retries: args.retries } }),
      deadline,
      blobLocations: args.cache ? await core.fileBlobLocations() : core.memoryBlobLocations(),
      compression: args.compression,
      compressionCache: args.cache ? await core.fileCompressionCache() : core.memoryCompressionCache(),
      onSecret,
      onEvent: (event: PushEvent) => {
        progress.count(event);
        reporter.event(event);
      },
      signal,
    });
    if (args.digestFile !== undefined) await writeResultFile(args.digestFile, `${result.digest}\n`);
    if (args.imageRefs !== undefined) await writeResultFile(args.imageRefs, imageRefs(result));
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

/**
 * A file left by an earlier run must not be taken for this run's result, and a path that cannot
 * be written must fail the run before anything is pushed, not after its tags are written.
 */
async function removeResultFiles(args: PushArgs): Promise<void> {
  for (const [flag, file] of [['--digest-file', args.digestFile], ['--image-refs', args.imageRefs]] as const) {
    if (file === undefined) continue;
    try {
      await rm(file, { force: true });
      await writeFile(file, '', { flag: 'wx' });
      await rm(file);
    } catch (error) {
      throw new UsageError(`${flag} ${file} cannot be written (${(error as NodeJS.ErrnoException).code}): give a path in a directory that exists and is writable`);
    }
  }
}

/** Written whole or not at all: a step reading it never sees half a digest. */
async function writeResultFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** `registry/repository@sha256:...` for each registry pushed to (crane's --image-refs). */
function imageRefs(result: PushResult): string {
  return result.destinations
    .filter((d) => !d.name.startsWith('oci:') && !d.name.startsWith('docker-daemon:'))
    .map((d) => `${d.name}@${d.digest}\n`)
    .join('');
}

export function warnInsecure(output: Output): void {
  output.err('hoist: warning: TLS certificates are not verified (--tls-verify=false): anyone between here and the registry can read and change what is sent');
}

function chooseReporter(args: PushArgs, output: Output): Reporter {
  if (args.json) return jsonReporter(output);
  if (output.errIsTty && !args.quiet && !args.verbose) return ttyReporter(output);
  return plainReporter(output, args.quiet, args.verbose);
}
