import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credential } from '@hoist/core';
import { credentialFromAuths, readAuthFile } from './auth-entries.js';

/**
 * podman, buildah and skopeo keep credentials in containers' auth.json (containers-auth.json(5)):
 * `$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`, else
 * `~/.config/containers/auth.json`. The first file that exists is the one read.
 */
export function containersAuthFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const files: string[] = [];
  if (env['REGISTRY_AUTH_FILE']) files.push(env['REGISTRY_AUTH_FILE']);
  if (env['XDG_RUNTIME_DIR']) files.push(join(env['XDG_RUNTIME_DIR'], 'containers', 'auth.json'));
  files.push(join(env['HOME'] || homedir(), '.config', 'containers', 'auth.json'));
  return files;
}

export async function readContainersAuthCredential(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credential | undefined> {
  for (const file of containersAuthFiles(env)) {
    const content = await readAuthFile(file);
    if (content) return credentialFromAuths(content.auths, registry, file);
  }
  return undefined;
}
