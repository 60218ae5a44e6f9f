import type { Deadline, PushEventListener, PushOptions, RegistryPool, RegistrySourceOptions } from '@hoist/core';
import { adapterChain, missingAdapterNotices } from '@hoist/adapters';
import { tlsSettings } from './connection-options.js';
import { explicitCredentials } from './explicit-credentials.js';
import { hoistDirectory } from './hoist-directory.js';
import { announceThirdPartyAdapters } from './plugin-notice.js';
import type { Output } from './output.js';
import type { PushArgs } from './push-args.js';
import type { CommandContext } from './push-command.js';
import { resolveLookup } from './resolve-lookup.js';

type Core = typeof import('@hoist/core');

/** What every push of a run is given, whatever its images: adapters, credentials, TLS, caches. */
export type SharedPushOptions = Pick<
  PushOptions,
  'adapters' | 'tls' | 'lookup' | 'plainHttpHosts' | 'concurrency' | 'retryPolicy' | 'blobLocations' | 'compression' | 'compressionCache' | 'annotations' | 'onSecret' | 'env'
>;

/**
 * The adapter chain (with credentials given on the command line for `registries`, the
 * destinations' registries), TLS, name resolution and caches, from the flags; notes for clouds
 * pushed to whose adapter is not installed go to stderr.
 */
export async function sharedPushOptions(core: Core, args: PushArgs, context: CommandContext, registries: { destinations: string[]; sources: string[] }): Promise<SharedPushOptions> {
  const { output } = context;
  // Credentials are for the destinations' registries: a run with none (a layout, a daemon) reads no variable.
  const given = registries.destinations.length > 0 ? await explicitCredentials(args, context, output) : undefined;
  const explicit = given ? { ...given, registries: registries.destinations } : undefined;
  const chain = await adapterChain({
    credentials: explicit ? { explicit } : {},
    createRepository: args.createRepository,
    plugins: args.adapters,
    pluginsFrom: hoistDirectory(),
    env: context.env,
    onCredential: (c) => output.addCredential(c),
  });
  const { adapters, missing } = chain;
  announceThirdPartyAdapters(chain, output, args.json);
  for (const notice of missingAdapterNotices([...registries.destinations, ...registries.sources], missing)) output.err(`hoist: note: ${notice}`);
  const lookup = resolveLookup(args.resolve);
  if (args.insecure) warnInsecure(output);
  return {
    adapters,
    tls: tlsSettings(args),
    ...(lookup ? { lookup } : {}),
    plainHttpHosts: args.plainHttp,
    ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
    ...(args.retries === undefined ? {} : { retryPolicy: { retries: args.retries } }),
    blobLocations: args.cache ? await core.fileBlobLocations() : core.memoryBlobLocations(),
    compression: args.compression,
    compressionCache: args.cache ? await core.fileCompressionCache() : core.memoryCompressionCache(),
    ...(args.annotations ? { annotations: args.annotations } : {}),
    onSecret: (secret: string) => output.addSecret(secret),
    env: context.env,
  };
}

/** What opening a `docker://` source needs of them: the same credentials and connections. */
export function registryOptions(shared: SharedPushOptions): RegistrySourceOptions {
  return {
    adapters: shared.adapters,
    ...(shared.tls ? { tls: shared.tls } : {}),
    ...(shared.plainHttpHosts ? { plainHttpHosts: shared.plainHttpHosts } : {}),
    ...(shared.onSecret ? { onSecret: shared.onSecret } : {}),
    ...(shared.lookup ? { lookup: shared.lookup } : {}),
  };
}

/** The clients a run of many images reads registries with (docker:// sources, a sync's lookups), with the push's retries and time limit. */
export function registryPool(core: Core, shared: SharedPushOptions, run: { signal: AbortSignal; deadline: Deadline; onEvent: PushEventListener }): RegistryPool {
  return new core.RegistryPool({ ...registryOptions(shared), ...run, ...(shared.retryPolicy ? { retryPolicy: shared.retryPolicy } : {}) });
}

export function warnInsecure(output: Output): void {
  output.err('hoist: warning: TLS certificates are not verified (--tls-verify=false): anyone between here and the registry can read and change what is sent');
}
