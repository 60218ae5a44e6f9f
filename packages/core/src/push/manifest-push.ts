import { repositoryScope } from '../registry/auth.js';
import { MANIFEST_ACCEPT, type Descriptor } from '../descriptor.js';
import { PushError } from '../errors.js';
import type { RepositoryTarget } from './blob-upload.js';
import { registryError } from '../registry/registry-error.js';

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

/** PUTs the manifest under `reference` (its digest, or a tag) and checks the digest the registry computed. */
export async function putManifest(target: RepositoryTarget, manifest: Descriptor, bytes: Buffer, reference: string): Promise<void> {
  const res = await target.client.send({
    method: 'PUT',
    target: manifestPath(target, reference),
    scopes: [repositoryScope(target.repository, ['pull', 'push'])],
    headers: { 'content-type': manifest.mediaType, 'content-length': String(bytes.length) },
    body: () => bytes,
    signal: target.signal,
  });
  if (res.status !== 201) throw await registryError(res, `pushing manifest ${reference} to ${target.repository}`);
  await res.body.dump();
  const landed = res.headers['docker-content-digest'];
  if (typeof landed === 'string' && landed !== manifest.digest) {
    throw new PushError('DIGEST_INVALID', `registry stored manifest ${manifest.digest} as ${landed} in ${target.repository}`);
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
