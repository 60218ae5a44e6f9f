import { DEFAULT_CAPABILITIES, type Credential, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';
import { dockerConfigPath, readDockerConfigCredential } from './docker-config.js';

/**
 * The catch-all adapter: serves any registry, with credentials given explicitly or found in
 * docker's config.json, and the engine's default quirks (monolithic uploads, mounts allowed).
 * Put it last in a chain: cloud adapters claim their own hosts first.
 */
export const ADAPTER_NAME = 'generic';

export interface GenericAdapterOptions {
  /** Credentials for these registries (`host[:port]`), e.g. from `--username` + `--password-stdin`. */
  explicit?: { registries: readonly string[]; username: string; password: string };
  /** config.json to read; defaults to `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  dockerConfig?: string;
  capabilities?: Partial<RegistryCapabilities>;
}

export function genericAdapter(options: GenericAdapterOptions = {}): RegistryAdapter {
  const capabilities: RegistryCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
  return {
    name: ADAPTER_NAME,
    matches: () => true,
    capabilities: () => capabilities,
    async resolveCredentials(registry): Promise<Credential | undefined> {
      const explicit = options.explicit;
      if (explicit?.registries.includes(registry)) {
        return { kind: 'basic', username: explicit.username, password: explicit.password };
      }
      return readDockerConfigCredential(registry, options.dockerConfig ?? dockerConfigPath());
    },
  };
}

export { dockerConfigPath, readDockerConfigCredential, registryOfKey } from './docker-config.js';
