import type { AccessRefusal, AdapterFactoryOptions, Credential, CredentialContext, RegistryAdapter, RegistryCapabilities } from '@hoist/core';

/**
 * hoist's adapter for GitHub Container Registry (ghcr.io). What a pipeline has there is a token:
 * `GITHUB_TOKEN` (a workflow's, given to the step's environment) or `GH_TOKEN` (the gh CLI's, a
 * personal access token with `write:packages`), sent as the password of the workflow's actor
 * (`GITHUB_ACTOR`, else the repository's owner). With neither, Docker's chain (`hoist login
 * ghcr.io`, config.json, helpers) serves. ghcr.io refuses PATCH chunks over 4 MiB: one PUT per blob.
 */
export interface GhcrAdapterOptions {
  /** The host that serves the API, when it is not ghcr.io (the tests). */
  apiHost?: string;
  /** Where the token and the actor are read from (default: the process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Asked when the environment has no token: Docker's config.json chain, in the hoist CLI. */
  fallback?: Pick<RegistryAdapter, 'resolveCredentials'>;
}

export const GHCR_HOST = 'ghcr.io';
const MiB = 1024 * 1024;
export const GHCR_CAPABILITIES: RegistryCapabilities = { upload: 'monolithic', maxChunkSize: 4 * MiB, mount: true };
/** ghcr.io takes any user name with a personal access token; a workflow's token wants its actor. */
const ANY_USER = 'x-access-token';

export function ghcrAdapter(options: GhcrAdapterOptions = {}): RegistryAdapter {
  const env = options.env ?? process.env;
  return {
    name: 'ghcr',
    // With a port only in tests and behind proxies; the name itself is exact.
    matches: (registry) => /^ghcr\.io(:\d+)?$/i.test(registry),
    ...(options.apiHost ? { apiHost: () => options.apiHost! } : {}),
    async resolveCredentials(registry: string, context: CredentialContext): Promise<Credential | undefined> {
      const variable = ['GITHUB_TOKEN', 'GH_TOKEN'].find((name) => env[name]);
      if (!variable) return options.fallback?.resolveCredentials(registry, context);
      const username = env['GITHUB_ACTOR'] || env['GITHUB_REPOSITORY_OWNER'] || ANY_USER;
      return { kind: 'basic', username, password: env[variable]!, source: variable };
    },
    capabilities: () => ({ ...GHCR_CAPABILITIES }),
    refusalHint: (refusal) => tokenHint(refusal, ['GITHUB_TOKEN', 'GH_TOKEN'].find((name) => env[name])),
  };
}

/** What a token taken by ghcr.io still needs to push: the two ways pipelines get it wrong. */
export function tokenHint(refusal: AccessRefusal, variable: string | undefined): string | undefined {
  if (!refusal.credentialsAccepted || refusal.action !== 'push') return undefined;
  if (variable === 'GITHUB_TOKEN') return "a workflow's GITHUB_TOKEN pushes only with `permissions: packages: write`, and only to a package that gives this repository write access (the package's settings, Manage Actions access)";
  if (variable === 'GH_TOKEN') return 'GH_TOKEN needs the write:packages scope';
  return undefined;
}

/** What hoist calls when it loads this package as a plugin: the run's environment and Docker's chain. */
export default function create(options: AdapterFactoryOptions): RegistryAdapter {
  return ghcrAdapter({ env: options.env, fallback: options.fallback });
}
