import type { RegistryAdapter } from '@hoist/core';
import type { GenericAdapterOptions } from '@hoist/adapter-generic';
import { loadCustomAdapter } from './custom-adapter.js';

/**
 * The adapters a push tries, first match wins: the user's own (`--adapter`), the cloud adapters
 * that are installed (each is an optional peer of the CLI, so a pipeline installs only the
 * clouds it pushes to, and an adapter's SDK loads only for its own hosts), Docker Hub, then the
 * generic catch-all, whose credential chain the others fall back on.
 */
export interface ChainOptions {
  generic: GenericAdapterOptions;
  createRepository: boolean;
  /** Paths given with --adapter, in order. */
  custom?: readonly string[];
}

export interface AdapterChain {
  adapters: RegistryAdapter[];
  /** Packages of known cloud adapters that are not installed. */
  missing: Set<string>;
}

type CloudLoaders = Record<string, (options: ChainOptions) => Promise<RegistryAdapter>>;

const CLOUD_LOADERS: CloudLoaders = {
  '@hoist/adapter-ecr': async (o) => (await import('@hoist/adapter-ecr')).ecrAdapter(o.createRepository ? { createRepository: {} } : {}),
  '@hoist/adapter-gcr': async () => (await import('@hoist/adapter-gcr')).gcrAdapter(),
  '@hoist/adapter-acr': async () => (await import('@hoist/adapter-acr')).acrAdapter(),
};

export async function adapterChain(options: ChainOptions, cloudLoaders: CloudLoaders = CLOUD_LOADERS): Promise<AdapterChain> {
  const { genericAdapter } = await import('@hoist/adapter-generic');
  const { dockerHubAdapter } = await import('@hoist/adapter-dockerhub');
  const generic = genericAdapter(options.generic);
  const adapters: RegistryAdapter[] = [];
  for (const path of options.custom ?? []) adapters.push(await loadCustomAdapter(path));
  const missing = new Set<string>();
  for (const [name, load] of Object.entries(cloudLoaders)) {
    const adapter = await load(options).catch((error: unknown) => {
      if (!isMissingPackage(error, name)) throw error;
      missing.add(name);
      return undefined;
    });
    if (adapter) adapters.push(adapter);
  }
  adapters.push(dockerHubAdapter({ credentials: generic }), generic);
  return { adapters, missing };
}

/** Only the adapter package itself being absent counts; a broken install still fails loudly. */
function isMissingPackage(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return e?.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${name}'`);
}
