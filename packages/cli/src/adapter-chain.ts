import type { Credential, RegistryAdapter } from '@hoist/core';
import type { GenericAdapterOptions } from '@hoist/adapter-generic';
import { loadCustomAdapter } from './custom-adapter.js';
import { KNOWN_CLOUD_ADAPTERS, type KnownAdapter } from './known-adapters.js';

/**
 * The adapters a push tries, first match wins: the user's own (`--adapter`), the cloud adapters
 * that are installed (each is an optional peer of the CLI, so a pipeline installs only the
 * clouds it pushes to, and an adapter's SDK loads only for its own hosts), Docker Hub, then the
 * generic catch-all, whose credential chain the others fall back on. Credentials given on the
 * command line win everywhere.
 */
export interface ChainOptions {
  generic: GenericAdapterOptions;
  createRepository: boolean;
  /** Paths given with --adapter, in order. */
  custom?: readonly string[];
  /** Sees every credential any adapter hands out, so that output can mask it. */
  onCredential?: (credential: Credential) => void;
}

export interface AdapterChain {
  adapters: RegistryAdapter[];
  /** Packages of known cloud adapters that are not installed. */
  missing: Set<string>;
}

export async function adapterChain(options: ChainOptions, clouds: readonly KnownAdapter[] = KNOWN_CLOUD_ADAPTERS): Promise<AdapterChain> {
  const { genericAdapter } = await import('@hoist/adapter-generic');
  const { dockerHubAdapter } = await import('@hoist/adapter-dockerhub');
  const generic = genericAdapter(options.generic);
  const adapters: RegistryAdapter[] = [];
  for (const path of options.custom ?? []) adapters.push(await loadCustomAdapter(path));
  const missing = new Set<string>();
  for (const cloud of clouds) {
    const adapter = await cloud.load(options, generic).catch((error: unknown) => {
      if (!isMissingPackage(error, cloud.package)) throw error;
      missing.add(cloud.package);
      return undefined;
    });
    if (adapter) adapters.push(adapter);
  }
  adapters.push(dockerHubAdapter({ credentials: generic }));
  const chain = [...adapters.map((a) => explicitFirst(a, options.generic.explicit)), generic];
  return { adapters: options.onCredential ? chain.map((a) => observed(a, options.onCredential!)) : chain, missing };
}

/** The adapter, with every credential it resolves shown to `see` on its way to the engine. */
function observed(adapter: RegistryAdapter, see: (credential: Credential) => void): RegistryAdapter {
  return {
    ...adapter,
    resolveCredentials: async (registry, context) => {
      const credential = await adapter.resolveCredentials(registry, context);
      if (credential) see(credential);
      return credential;
    },
  };
}

/** Credentials given on the command line win over any adapter's own way of finding them. */
function explicitFirst(adapter: RegistryAdapter, explicit: GenericAdapterOptions['explicit']): RegistryAdapter {
  if (!explicit) return adapter;
  const given: Credential = { kind: 'basic', username: explicit.username, password: explicit.password, source: explicit.source ?? 'the command line' };
  return {
    ...adapter,
    resolveCredentials: (registry, context) => (explicit.registries.includes(registry) ? Promise.resolve(given) : adapter.resolveCredentials(registry, context)),
  };
}

/** Only the adapter package itself being absent counts; a broken install still fails loudly. */
function isMissingPackage(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return e?.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${name}'`);
}
