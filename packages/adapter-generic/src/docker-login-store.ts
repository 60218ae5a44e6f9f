import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { realpath, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeDirectories, PushError } from '@hoist/core';
import { DOCKER_HUB_KEY, readAuthFile, registryOfKey } from './auth-entries.js';

/**
 * Where `hoist login` keeps what it was given, as `docker login` does: with a `credsStore`
 * configured, in that helper (`docker-credential-<name> store`); otherwise as an `auths` entry
 * of config.json, written atomically and readable by the user alone. `hoist logout` undoes it.
 */
export async function storeLogin(file: string, registry: string, username: string, password: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<'helper' | 'file'> {
  const config = (await readAuthFile(file)) ?? {};
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    await runHelper(config.credsStore, 'store', JSON.stringify({ ServerURL: registry, Username: username, Secret: password }), registry, env, false, signal);
    return 'helper';
  }
  const auths = withoutRegistry(config.auths, registry);
  auths[registry === 'docker.io' ? DOCKER_HUB_KEY : registry] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  await writePrivately(file, { ...config, auths });
  return 'file';
}

/** Removes the registry's credentials; true when there were any to remove. */
export async function eraseLogin(file: string, registry: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<boolean> {
  const config = await readAuthFile(file);
  if (!config) return false;
  let erased = false;
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    erased = (await runHelper(config.credsStore, 'erase', registry, registry, env, true, signal)) || erased;
  }
  const before = typeof config.auths === 'object' && config.auths !== null ? Object.keys(config.auths).length : 0;
  const auths = withoutRegistry(config.auths, registry);
  if (Object.keys(auths).length !== before) {
    await writePrivately(file, { ...config, auths });
    erased = true;
  }
  return erased;
}

function withoutRegistry(auths: unknown, registry: string): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  if (typeof auths === 'object' && auths !== null) {
    for (const [key, value] of Object.entries(auths)) if (registryOfKey(key) !== registry) kept[key] = value;
  }
  return kept;
}

/** Atomically, and through a symbolic link as docker does (a config.json kept in a dotfiles repository stays linked). */
async function writePrivately(file: string, content: unknown): Promise<void> {
  const target = await realpath(file).catch(() => file);
  const temp = `${target}.${randomUUID()}.tmp`;
  await makeDirectories(dirname(target), 0o700);
  await writeFile(temp, `${JSON.stringify(content, null, '\t')}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temp, target);
}

/**
 * Runs `docker-credential-<name> <action>` with `input` on stdin; `tolerateMissing` for erase of
 * nothing. A helper that never returns (a keychain waiting for a prompt no one sees) is killed
 * when `signal` stops the run.
 */
function runHelper(name: string, action: 'store' | 'erase', input: string, registry: string, env: NodeJS.ProcessEnv, tolerateMissing = false, signal?: AbortSignal): Promise<boolean> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'], killSignal: 'SIGKILL', ...(signal ? { signal } : {}) });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      reject(error.code === 'ENOENT' ? new PushError('USAGE', `credential helper ${program} not found on PATH`) : error);
    });
    child.once('close', (code) => {
      if (code === 0) resolve(true);
      else if (tolerateMissing && /not found/i.test(output)) resolve(false);
      else reject(new PushError('USAGE', `credential helper ${program} could not ${action} the credentials for ${registry} (exit ${code})`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
