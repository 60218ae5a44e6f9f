import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * skopeo as the independent reader of what landed in a registry: hoist's tests never trust
 * hoist to tell them what it pushed.
 */
export interface RegistryAccess {
  /** CA certificate to trust; without it the registry is read over plain HTTP. */
  caFile?: string;
  username?: string;
  password?: string;
}

async function withAccessArgs<T>(access: RegistryAccess, use: (args: string[]) => Promise<T>): Promise<T> {
  const args: string[] = [];
  if (access.username !== undefined) args.push('--creds', `${access.username}:${access.password ?? ''}`);
  if (!access.caFile) return use([...args, '--tls-verify=false']);
  // A cert dir holds CAs as *.crt only: a stray key without its .cert makes skopeo refuse it.
  const certDir = await mkdtemp(join(tmpdir(), 'hoist-skopeo-certs-'));
  try {
    await copyFile(access.caFile, join(certDir, 'ca.crt'));
    return await use([...args, '--cert-dir', certDir]);
  } finally {
    await rm(certDir, { recursive: true, force: true });
  }
}

/** The manifest bytes exactly as the registry serves them for `host/repo:tag` or `@digest`. */
export async function skopeoRawManifest(reference: string, access: RegistryAccess = {}): Promise<Buffer> {
  return withAccessArgs(access, async (args) => {
    const { stdout } = await run('skopeo', ['inspect', '--raw', ...args, `docker://${reference}`], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  });
}

/** Tags of a repository, as skopeo lists them. */
export async function skopeoListTags(repository: string, access: RegistryAccess = {}): Promise<string[]> {
  return withAccessArgs(access, async (args) => {
    const { stdout } = await run('skopeo', ['list-tags', ...args, `docker://${repository}`]);
    return (JSON.parse(stdout) as { Tags: string[] }).Tags;
  });
}

/** Copies an image (every platform) out of the registry into an OCI layout, verifying blob digests. */
export async function skopeoCopyToLayout(reference: string, layoutDir: string, access: RegistryAccess = {}): Promise<void> {
  await withAccessArgs(access, async (args) => {
    const src = args.map((a) => a.replace(/^--(creds|cert-dir|tls-verify)/, '--src-$1'));
    await run('skopeo', ['copy', '--all', '--preserve-digests', ...src, `docker://${reference}`, `oci:${layoutDir}:copy`]);
  });
}
