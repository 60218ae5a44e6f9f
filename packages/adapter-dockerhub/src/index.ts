import { DEFAULT_CAPABILITIES, type Credential, type CredentialContext, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';

/**
 * Docker Hub: `docker.io`, `index.docker.io` and `registry-1.docker.io` are one registry, whose
 * API is served by registry-1.docker.io and whose tokens come from auth.docker.io (named by the
 * registry's own challenge). Credentials are the user's password or a personal access token,
 * found where Docker keeps them (`https://index.docker.io/v1/` in config.json) by the fallback
 * adapter it is given, usually the generic one, which owns the credential chain.
 */
export const ADAPTER_NAME = 'dockerhub';
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API = 'registry-1.docker.io';
const HUB_NAMES = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API]);

/**
 * Mounts only between repositories of Hub itself (cross-origin mounts do not exist); a refused
 * mount falls back to an upload in the engine. Monolithic uploads, as for any registry. The
 * engine probes blobs with HEAD, which Hub does not count against the pull rate limit.
 */
export const DOCKER_HUB_CAPABILITIES: RegistryCapabilities = { ...DEFAULT_CAPABILITIES, upload: 'monolithic', mount: true };

export interface DockerHubAdapterOptions {
  /** Where credentials come from: the credential chain of another adapter (the generic one). */
  credentials?: Pick<RegistryAdapter, 'resolveCredentials'>;
  /** Serve the API from another host (a pull-through mirror, or a test double); `host[:port]`. */
  apiHost?: string;
}

/** Hub's pull-rate headers: a pipeline that pushes and pulls all day wants to see them coming. */
const RATE_LIMIT_HEADERS = ['ratelimit-limit', 'ratelimit-remaining', 'docker-ratelimit-source'];

export function rateLimitInfo(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> | undefined {
  const info: Record<string, string> = {};
  for (const name of RATE_LIMIT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') info[name] = value;
  }
  return Object.keys(info).length > 0 ? info : undefined;
}

export function dockerHubAdapter(options: DockerHubAdapterOptions = {}): RegistryAdapter {
  return {
    name: ADAPTER_NAME,
    matches: (registry) => HUB_NAMES.has(registry.toLowerCase()),
    apiHost: () => options.apiHost ?? DOCKER_HUB_API,
    capabilities: () => DOCKER_HUB_CAPABILITIES,
    responseInfo: rateLimitInfo,
    async resolveCredentials(_registry: string, context: CredentialContext): Promise<Credential | undefined> {
      context.signal?.throwIfAborted();
      // Hub's credentials are filed under docker.io whatever name the user wrote.
      return options.credentials?.resolveCredentials(DOCKER_HUB, context);
    },
  };
}
