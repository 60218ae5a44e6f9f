import { DEFAULT_CAPABILITIES, type Credential, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';
import { readContainersAuthCredential } from './containers-auth.js';
import { dockerConfigPath, readDockerConfigCredential } from './docker-config.js';
import { REGISTRY_PROFILES } from './profiles.js';

/**
 * The catch-all adapter: serves any registry, with credentials found where Docker and podman
 * users keep them, and the engine's default quirks (monolithic uploads, mounts allowed). Put it
 * last in a chain: cloud adapters claim their own hosts first.
 *
 * Credential order: explicit (flags or environment variables), docker config.json (auths,
 * credHelpers, credsStore), containers auth.json, then anonymous.
 */
export const ADAPTER_NAME = 'generic';

export interface GenericAdapterOptions {
  /**
   * Credentials for these registries (`host[:port]`), e.g. from `--username` + `--password-stdin`;
   * `source` names where they came from in messages (`--password-env REG_PASS`).
   */
  explicit?: { registries: readonly string[]; username: string; password: string; source?: string };
  /** config.json to read; defaults to `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  dockerConfig?: string;
  /** Environment for file locations and credential helpers; defaults to the process's. */
  env?: NodeJS.ProcessEnv;
  capabilities?: Partial<RegistryCapabilities>;
}

export function genericAdapter(options: GenericAdapterOptions = {}): RegistryAdapter {
  const env = options.env ?? process.env;
  return {
    name: ADAPTER_NAME,
    matches: () => true,
    // Defaults, then the host's known quirks, then what the caller asked for.
    capabilities: (registry): RegistryCapabilities => ({ ...DEFAULT_CAPABILITIES, ...REGISTRY_PROFILES[registry.toLowerCase()], ...options.capabilities }),
    async resolveCredentials(registry, context): Promise<Credential | undefined> {
      context.signal?.throwIfAborted();
      const explicit = options.explicit;
      if (explicit?.registries.includes(registry)) {
        return { kind: 'basic', username: explicit.username, password: explicit.password, source: explicit.source ?? 'the caller' };
      }
      return (
        (await readDockerConfigCredential(registry, options.dockerConfig ?? dockerConfigPath(env), env, context.signal)) ??
        (await readContainersAuthCredential(registry, env))
      );
    },
  };
}

export { registryOfKey } from './auth-entries.js';
export { REGISTRY_PROFILES } from './profiles.js';
export { containersAuthFiles, readContainersAuthCredential } from './containers-auth.js';
export { helperCredential } from './credential-helper.js';
export { dockerConfigPath, readDockerConfigCredential } from './docker-config.js';
export { eraseLogin, storeLogin } from './docker-login-store.js';
