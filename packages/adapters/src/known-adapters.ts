import type { AdapterFactoryOptions, RegistryAdapter } from '@hoist/core';

/**
 * The cloud adapters hoist knows by name: how to load each (an optional peer of this package and the CLI, so it
 * may be absent), and a coarse host pattern, so that the CLI can say which package to install
 * when a pipeline pushes to a cloud whose adapter is missing. The patterns are deliberately
 * loose (the adapters themselves decide what they own): a false hint costs one line, a missing
 * one costs a user an afternoon with `docker login`.
 */
export interface KnownAdapter {
  /** The adapter's package, as `npm install` takes it. */
  package: string;
  cloud: string;
  hints(registry: string): boolean;
  /** Loads the adapter; `fallback` serves credentials when the cloud's SDK finds none at all. */
  load(options: AdapterFactoryOptions): Promise<RegistryAdapter>;
}

export const KNOWN_CLOUD_ADAPTERS: readonly KnownAdapter[] = [
  {
    package: '@hoist/adapter-ecr',
    cloud: 'Amazon ECR',
    hints: (r) => /\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$|^public\.ecr\.aws$/i.test(r),
    load: async ({ fallback, createRepository }) => (await import('@hoist/adapter-ecr')).ecrAdapter({ fallback, ...(createRepository ? { createRepository: {} } : {}) }),
  },
  {
    package: '@hoist/adapter-gcr',
    cloud: 'Google Artifact Registry / GCR',
    hints: (r) => /(^|\.)gcr\.io(:\d+)?$|-docker\.pkg\.dev(:\d+)?$/i.test(r),
    load: async ({ fallback }) => (await import('@hoist/adapter-gcr')).gcrAdapter({ fallback }),
  },
  {
    package: '@hoist/adapter-acr',
    cloud: 'Azure Container Registry',
    hints: (r) => /\.azurecr\.(io|cn|us)(:\d+)?$/i.test(r),
    load: async ({ fallback }) => (await import('@hoist/adapter-acr')).acrAdapter({ fallback }),
  },
];

/** One line per registry that a missing cloud adapter would have handled. */
export function missingAdapterNotices(registries: readonly string[], missing: ReadonlySet<string>): string[] {
  const notices: string[] = [];
  for (const registry of new Set(registries)) {
    const known = KNOWN_CLOUD_ADAPTERS.find((k) => missing.has(k.package) && k.hints(registry));
    if (known) notices.push(`${registry} looks like ${known.cloud}, whose adapter is not installed: pushing with Docker-style credentials (for its own: ${installHint(known)})`);
  }
  return notices;
}

/**
 * How to install a cloud adapter today: hoist is not on the npm registry yet, so its package
 * name alone would answer 404; `npm run release` writes each adapter's tarball beside hoist's.
 */
export function installHint(known: KnownAdapter): string {
  return `npm install --global ./${known.package.replace('@hoist/', 'hoist-')}-*.tgz, which npm run release writes; ${known.package} once published`;
}
