import type { RegistryAdapter } from '@hoist/core';
import type { GenericAdapterOptions } from '@hoist/adapter-generic';

/**
 * The adapters a push tries, first match wins: the cloud adapters that are installed (each is an
 * optional peer of the CLI, so a pipeline installs only the clouds it pushes to, and an
 * adapter's SDK loads only for its own hosts), Docker Hub, then the generic catch-all, whose
 * credential chain the others fall back on.
 */
export interface ChainOptions {
  generic: GenericAdapterOptions;
  createRepository: boolean;
}

export async function adapterChain(options: ChainOptions): Promise<RegistryAdapter[]> {
  const { genericAdapter } = await import('@hoist/adapter-generic');
  const { dockerHubAdapter } = await import('@hoist/adapter-dockerhub');
  const generic = genericAdapter(options.generic);
  const chain: RegistryAdapter[] = [];
  const ecr = await optional(() => import('@hoist/adapter-ecr'));
  if (ecr) chain.push(ecr.ecrAdapter(options.createRepository ? { createRepository: {} } : {}));
  const gcr = await optional(() => import('@hoist/adapter-gcr'));
  if (gcr) chain.push(gcr.gcrAdapter());
  const acr = await optional(() => import('@hoist/adapter-acr'));
  if (acr) chain.push(acr.acrAdapter());
  chain.push(dockerHubAdapter({ credentials: generic }), generic);
  return chain;
}

async function optional<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
