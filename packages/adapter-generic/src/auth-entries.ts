import { readFile } from 'node:fs/promises';
import { PushError, type Credential } from '@hoist/core';

/**
 * The `auths` map that docker's config.json and containers' auth.json share: keyed by host in
 * any of the forms written over the years (`host`, `host:port`, `https://host`,
 * `https://host/v1/`, or `host/namespace` in auth.json), each entry holding `auth`
 * (base64 `user:password`), `username`/`password`, or an `identitytoken`.
 */
export interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

export type AuthFile = { auths?: unknown; credHelpers?: unknown; credsStore?: unknown };

/** Docker Hub's names; `docker login` files its credentials under `https://index.docker.io/v1/`. */
const HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'docker.io']);
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** `https://host:5000/v1/` → `host:5000`: the registry a key names (`docker.io` for Hub's keys). */
export function registryOfKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const host = withoutScheme.split('/')[0]!.toLowerCase();
  return HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/** The parsed file, or undefined when it does not exist. Messages name the file, never its content. */
export async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PushError('USAGE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as AuthFile) : {};
  } catch {
    throw new PushError('USAGE', `${file} is not valid JSON`);
  }
}

/** The credential an `auths` map holds for the registry, if any. */
export function credentialFromAuths(auths: unknown, registry: string, file: string): Credential | undefined {
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
    return { kind: 'identity-token', token: entry.identitytoken, source: file };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new PushError('USAGE', `${file}: the "auth" entry for ${key} is not base64 of user:password`);
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { kind: 'basic', username: entry.username, password: entry.password, source: file };
  }
  return undefined;
}
