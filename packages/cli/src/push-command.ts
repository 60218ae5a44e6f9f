import { writeFile } from 'node:fs/promises';
import type { ImageSource, PushEvent } from '@hoist/core';
import type { Output } from './output.js';
import { parsePushArgs, PUSH_USAGE, type PushArgs } from './push-args.js';
import { adapterChain } from './adapter-chain.js';
import { missingAdapterNotices } from './known-adapters.js';
import { tlsSettings } from './connection-options.js';
import { resolveLookup } from './resolve-lookup.js';
import { explicitCredentials } from './explicit-credentials.js';
import { jsonReporter } from './reporters/json-reporter.js';
import { plainReporter } from './reporters/plain-reporter.js';
import type { Reporter } from './reporters/reporter.js';
import { ttyReporter } from './reporters/tty-reporter.js';
import { describeFailure } from './describe-failure.js';
import { ProgressTally } from './progress-tally.js';

export interface CommandContext {
  output: Output;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

const REGISTRY_SOURCE = 'docker://';

export async function pushCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { output } = context;
  const args = parsePushArgs(argv, context.env);
  if (args.help) {
    output.out(PUSH_USAGE);
    return 0;
  }
  const reporter = chooseReporter(args, output);
  const progress = new ProgressTally();
  let source: ImageSource | undefined;
  try {
    // Loaded here, not at start-up: `hoist --version` and `--help` stay quick.
    const core = await import('@hoist/core');
    const destinations = args.destinations.filter((d) => !d.startsWith('oci:')).map((d) => core.parseReference(d));
    const layoutDestinations = args.destinations
      .filter((d) => d.startsWith('oci:'))
      .map((d) => core.parseOciLayoutSpec(d))
      .map((spec) => ({ path: spec.path, refs: spec.ref === undefined ? [] : [spec.ref] }));
    const platforms = args.platforms.map((p) => core.parsePlatform(p));
    const given = await explicitCredentials(args, context, output);
    const explicit = given ? { ...given, registries: destinations.map((d) => d.registry) } : undefined;
    const { adapters, missing } = await adapterChain({ generic: explicit ? { explicit } : {}, createRepository: args.createRepository, custom: args.adapters });
    const registries = destinations.map((d) => d.registry);
    if (args.source.startsWith(REGISTRY_SOURCE)) registries.push(core.parseReference(args.source.slice(REGISTRY_SOURCE.length)).registry);
    for (const notice of missingAdapterNotices(registries, missing)) output.err(`hoist: note: ${notice}`);
    const lookup = resolveLookup(args.resolve);
    const tls = tlsSettings(args);
    if (args.insecure) warnInsecure(output);
    source = await core.openSource(args.source, { adapters, tls, plainHttpHosts: args.plainHttp }, { env: context.env, compression: args.compression, signal: context.signal });
    const result = await core.pushImage({
      source,
      destinations,
      tags: args.tags,
      layoutDestinations,
      platforms,
      adapters,
      tls,
      ...(lookup ? { lookup } : {}),
      plainHttpHosts: args.plainHttp,
      ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
      ...(args.retries === undefined ? {} : { retryPolicy: { retries: args.retries } }),
      timeoutMs: args.timeoutMs,
      blobLocations: args.cache ? await core.fileBlobLocations() : core.memoryBlobLocations(),
      compression: args.compression,
      compressionCache: args.cache ? await core.fileCompressionCache() : core.memoryCompressionCache(),
      onEvent: (event: PushEvent) => {
        progress.count(event);
        reporter.event(event);
      },
      signal: context.signal,
    });
    if (args.digestFile !== undefined) await writeFile(args.digestFile, `${result.digest}\n`);
    reporter.done(result);
    return 0;
  } catch (error) {
    const failure = describeFailure(error, args.verbose, context.signal, progress.describe());
    reporter.failed(failure.message, failure.code, failure.exitCode);
    return failure.exitCode;
  } finally {
    await source?.close?.();
  }
}

export function warnInsecure(output: Output): void {
  output.err('hoist: warning: TLS certificates are not verified (--tls-verify=false): anyone between here and the registry can read and change what is sent');
}

function chooseReporter(args: PushArgs, output: Output): Reporter {
  if (args.json) return jsonReporter(output);
  if (output.errIsTty && !args.quiet && !args.verbose) return ttyReporter(output);
  return plainReporter(output, args.quiet, args.verbose);
}
