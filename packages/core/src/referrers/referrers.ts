import { decodeAs, decodeLenientIndex, isMediaType, isValidDigest, shown } from '../decode/index.js';
import { MediaTypes, type Descriptor } from '../descriptor.js';
import { PushError } from '../errors.js';
import type { ImageIndex } from '../oci-types.js';
import { repositoryScope } from '../registry/auth.js';
import type { RepositoryTarget } from '../push/blob-upload.js';
import type { RegistryPool } from '../registry/registry-pool.js';
import { registryError } from '../registry/registry-error.js';
import { readBody } from '../registry/transport.js';

/** Where a repository's list of referrers came from: the registry's API, the fallback tag, or neither (none yet). */
export type ReferrersSource = 'api' | 'tag' | 'none';

/** What refers to one manifest (signatures, SBOMs, provenance), as descriptors with their artifactType. */
export interface Referrers {
  referrers: Descriptor[];
  from: ReferrersSource;
  /** Entries of the registry's list that are not valid descriptors, each with why: left out, for one warning. */
  dropped: string[];
}

/** A fallback index or a referrers API answer, its bad entries set aside. */
interface ListedIndex {
  manifests: Descriptor[];
  dropped: string[];
  etag?: string;
}

const MAX_INDEX_BYTES = 4 * 1024 * 1024;
/** Read-modify-write rounds of the fallback tag before giving up on a registry others keep changing. */
const UPDATE_ROUNDS = 4;

/** The referrers tag schema's tag for a manifest (distribution-spec 1.1): `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return urlDigest(digest).replace(':', '-');
}

/** `digest`, once it is known to be one of the grammar: it goes into a URL path. */
function urlDigest(digest: string): string {
  if (!isValidDigest(digest)) throw new PushError('REGISTRY', `"${shown(digest)}" is not a digest`);
  return digest;
}

/**
 * The manifests that refer to `digest` in a repository: from the referrers API
 * (`GET /v2/NAME/referrers/DIGEST`) where the registry has it, else from the index the fallback
 * tag names. `artifactType`, when given, keeps only those of that type (a registry may ignore
 * the filter it is asked for).
 */
export async function listReferrers(pool: RegistryPool, where: { registry: string; repository: string }, digest: string, artifactType?: string): Promise<Referrers> {
  if (artifactType !== undefined && !isMediaType(artifactType)) throw new PushError('USAGE', `--artifact-type "${artifactType}" is not a media type (type/subtype, as RFC 6838 has them: application/spdx+json)`);
  const target = { client: pool.client(where.registry), repository: where.repository, ...(pool.signal ? { signal: pool.signal } : {}) };
  const api = await referrersApi(target, digest, artifactType);
  const found = api ?? (await readFallback(target, digest));
  const referrers = (found?.manifests ?? []).filter((d) => artifactType === undefined || d.artifactType === artifactType);
  return { referrers, from: api ? 'api' : found ? 'tag' : 'none', dropped: found?.dropped ?? [] };
}

/** The registry's referrers API answer, or undefined when it has none (404, as distribution 2.8 answers). */
export async function referrersApi(target: RepositoryTarget, digest: string, artifactType?: string): Promise<ListedIndex | undefined> {
  const query = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
  return getIndex(target, `referrers/${urlDigest(digest)}${query}`, `the referrers of ${digest}`);
}

/**
 * Adds `referrers` to the fallback tag's index of `subject` (those not there yet, in one write), read-modify-write: the index is read
 * with its ETag and written with `If-Match`, so that a registry that honours it refuses a write
 * over someone else's (412), and the round starts again. A registry that ignores `If-Match`
 * (distribution 2.8) leaves a race: two attaches at the same moment may each write an index
 * without the other's artifact; the artifact itself is there, and attaching it again restores
 * the entry. The PUT is the only write, so a failed one leaves the old index as it was.
 */
export async function addToFallback(target: RepositoryTarget, subject: string, referrers: readonly Descriptor[]): Promise<void> {
  const tag = referrersTag(subject);
  for (let round = 0; round < UPDATE_ROUNDS; round++) {
    const current = await readFallback(target, subject);
    // Entries that are not valid descriptors are not written back.
    const listed = current?.manifests ?? [];
    const added = referrers.filter((r) => !listed.some((d) => d.digest === r.digest));
    if (added.length === 0) return;
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [...listed, ...added] };
    const bytes = Buffer.from(JSON.stringify(index));
    const res = await target.client.send({
      method: 'PUT',
      target: `/v2/${target.repository}/manifests/${tag}`,
      scopes: [repositoryScope(target.repository, ['pull', 'push'])],
      headers: { 'content-type': MediaTypes.ociIndex, ...(current?.etag ? { 'if-match': current.etag } : {}) },
      body: () => bytes,
      ...(target.signal ? { signal: target.signal } : {}),
    });
    if (res.status === 201) return void (await res.body.dump());
    if (res.status !== 412) throw await registryError(res, `updating the referrers tag ${tag} in ${target.repository}`);
    await res.body.dump();
  }
  throw new PushError('REGISTRY', `the referrers tag ${referrersTag(subject)} in ${target.repository} kept changing under ${UPDATE_ROUNDS} updates; run the attach again`);
}

function readFallback(target: RepositoryTarget, subject: string): Promise<ListedIndex | undefined> {
  return getIndex(target, `manifests/${referrersTag(subject)}`, `the referrers tag ${referrersTag(subject)}`);
}

/** The index at `path` under the repository, with its ETag; undefined when there is none (404). */
async function getIndex(target: RepositoryTarget, path: string, what: string): Promise<ListedIndex | undefined> {
  const res = await target.client.send({
    method: 'GET',
    target: `/v2/${target.repository}/${path}`,
    scopes: [repositoryScope(target.repository, ['pull'])],
    headers: { accept: MediaTypes.ociIndex },
    ...(target.signal ? { signal: target.signal } : {}),
  });
  if (res.status === 404) {
    await res.body.dump();
    return undefined;
  }
  if (res.status !== 200) throw await registryError(res, `reading ${what} in ${target.repository}`);
  const etag = res.headers['etag'];
  const bytes = await readBody(res.body, MAX_INDEX_BYTES, what);
  const index = decodeAs('REGISTRY', target.repository, () => decodeLenientIndex(bytes, what));
  return { ...index, ...(typeof etag === 'string' ? { etag } : {}) };
}
