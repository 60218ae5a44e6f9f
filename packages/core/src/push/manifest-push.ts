import { repositoryScope } from '../registry/auth.js';
import { MANIFEST_ACCEPT, type Descriptor } from '../descriptor.js';
import { PushError } from '../errors.js';
import type { RepositoryTarget } from './blob-upload.js';
import { registryError } from '../registry/registry-error.js';
import { sleep } from '../registry/retry-policy.js';
import type { PushEventListener } from './events.js';

/** Manifests go up as the exact bytes of the source, so the registry computes the same digest. */
function manifestPath(target: RepositoryTarget, reference: string): string {
  return `/v2/${target.repository}/manifests/${reference}`;
}

export async function manifestExists(target: RepositoryTarget, manifest: Descriptor): Promise<boolean> {
  const res = await target.client.send({
    method: 'HEAD',
    target: manifestPath(target, manifest.digest),
    scopes: [repositoryScope(target.repository, ['pull', 'push'])],
    headers: { accept: MANIFEST_ACCEPT },
    signal: target.signal,
  });
  await res.body.dump();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await registryError(res, `checking manifest ${manifest.digest} in ${target.repository}`);
}

/**
 * A registry that keeps blob links on a filesystem (distribution's own driver) rewrites a link in
 * place when a blob is placed in a repository again; a manifest PUT that reads the link mid-write
 * (another pipeline pushing the same base layer to this repository at that moment) is refused
 * with DIGEST_INVALID though nothing is wrong. Such a refusal is tried again after a short wait;
 * a real mismatch is refused the same way every time.
 */
const LINK_RACE_RETRIES = 2;
const LINK_RACE_WAIT_MS = 250;

/** PUTs the manifest under `reference` (its digest, or a tag) and checks the digest the registry computed. */
export async function putManifest(target: RepositoryTarget, manifest: Descriptor, bytes: Buffer, reference: string, onRetry: PushEventListener = () => {}): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await target.client.send({
      method: 'PUT',
      target: manifestPath(target, reference),
      scopes: [repositoryScope(target.repository, ['pull', 'push'])],
      headers: { 'content-type': manifest.mediaType, 'content-length': String(bytes.length) },
      body: () => bytes,
      signal: target.signal,
    });
    if (res.status === 201) {
      await res.body.dump();
      const landed = res.headers['docker-content-digest'];
      if (typeof landed === 'string' && landed !== manifest.digest) {
        throw new PushError('DIGEST_INVALID', `registry stored manifest ${manifest.digest} as ${landed} in ${target.repository}`);
      }
      return;
    }
    const error = await registryError(res, `pushing manifest ${reference} to ${target.repository}`);
    if (error.code !== 'DIGEST_INVALID' || attempt === LINK_RACE_RETRIES) throw error;
    const waitMs = LINK_RACE_WAIT_MS * (attempt + 1);
    onRetry({ type: 'retry', registry: target.client.host, request: `manifest PUT ${reference} in ${target.repository}`, reason: 'DIGEST_INVALID', attempt: attempt + 1, attempts: LINK_RACE_RETRIES + 1, waitMs });
    await sleep(waitMs, target.signal);
  }
}

/** The digest a tag names now, or undefined when the tag does not exist. */
export async function tagDigest(target: RepositoryTarget, tag: string): Promise<string | undefined> {
  const res = await target.client.send({
    method: 'HEAD',
    target: manifestPath(target, tag),
    scopes: [repositoryScope(target.repository, ['pull', 'push'])],
    headers: { accept: MANIFEST_ACCEPT },
    signal: target.signal,
  });
  await res.body.dump();
  if (res.status === 404) return undefined;
  const digest = res.headers['docker-content-digest'];
  if (res.status === 200 && typeof digest === 'string') return digest;
  throw await registryError(res, `checking tag ${tag} in ${target.repository}`);
}
