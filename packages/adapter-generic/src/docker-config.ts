import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credential } from '@hoist/core';
import { credentialFromAuths, readAuthFile, registryOfKey } from './auth-entries.js';
import { helperCredential } from './credential-helper.js';

/**
 * Credentials that `docker login` left in config.json (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), looked up as the credential order asks: an `auths` entry for the
 * host, then a `credHelpers` helper for the host, then the `credsStore` helper.
 */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['DOCKER_CONFIG'] || join(homedir(), '.docker'), 'config.json');
}

export async function readDockerConfigCredential(registry: string, file: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<Credential | undefined> {
  const config = await readAuthFile(file);
  if (!config) return undefined;
  const fromAuths = credentialFromAuths(config.auths, registry, file);
  if (fromAuths) return fromAuths;
  const helpers = typeof config.credHelpers === 'object' && config.credHelpers !== null ? (config.credHelpers as Record<string, unknown>) : {};
  const helper = Object.entries(helpers).find(([key, name]) => registryOfKey(key) === registry && typeof name === 'string')?.[1] as string | undefined;
  const options = { env, ...(signal ? { signal } : {}) };
  if (helper) return helperCredential(helper, registry, registry, options);
  if (typeof config.credsStore === 'string' && config.credsStore !== '') return helperCredential(config.credsStore, registry, registry, options);
  return undefined;
}
