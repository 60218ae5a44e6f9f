import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PushError, type Credential } from '@hoist/core';

/**
 * Credentials stored by `docker login` in config.json (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`): the `auths` map, keyed by host in any of the forms Docker has
 * written over the years (`host`, `host:port`, `https://host`, `https://host/v1/`).
 */
interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['DOCKER_CONFIG'] || join(homedir(), '.docker'), 'config.json');
}

/** `https://host:5000/v1/` → `host:5000`: the registry a config key names. */
export function registryOfKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return withoutScheme.split('/')[0]!.toLowerCase();
}

export async function readDockerConfigCredential(registry: string, file: string): Promise<Credential | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PushError('USAGE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  let auths: unknown;
  try {
    auths = (JSON.parse(text) as { auths?: unknown }).auths;
  } catch {
    // The message names the file only: its contents are secrets.
    throw new PushError('USAGE', `${file} is not valid JSON`);
  }
  if (typeof auths !== 'object' || auths === null) return undefined;
  for (const [key, entry] of Object.entries(auths as Record<string, AuthEntry>)) {
    if (registryOfKey(key) === registry && typeof entry === 'object' && entry !== null) {
      const credential = credentialOf(entry, file, key);
      if (credential) return credential;
    }
  }
  return undefined;
}

function credentialOf(entry: AuthEntry, file: string, key: string): Credential | undefined {
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { kind: 'identity-token', token: entry.identitytoken };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new PushError('USAGE', `${file}: the "auth" entry for ${key} is not base64 of user:password`);
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { kind: 'basic', username: entry.username, password: entry.password };
  }
  return undefined;
}
