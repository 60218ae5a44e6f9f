import type { Descriptor } from '../descriptor.js';
import { pushImage, type PushOptions } from '../push/push.js';
import type { ImageReference } from '../reference.js';
import type { RegistryPool } from '../registry/registry-pool.js';
import { pullImage } from '../sources/registry-source.js';
import { artifactSource, type ArtifactFile } from './artifact-source.js';
import { addToFallback, referrersApi, type ReferrersSource } from './referrers.js';

export type AttachOptions = Omit<PushOptions, 'source' | 'destinations' | 'tags' | 'platforms' | 'layoutDestinations' | 'daemonDestinations' | 'annotations'> & {
  /** Reads the subject, and the referrers API or fallback tag; the caller's to close. */
  pool: RegistryPool;
  /** The manifest the artifact refers to (by tag or digest; the artifact names its digest). */
  subject: ImageReference;
  artifactType: string;
  files?: readonly ArtifactFile[];
  /** The artifact manifest's annotations (org.opencontainers.image.created, say). */
  annotations?: Readonly<Record<string, string>>;
};

export interface AttachResult {
  /** The artifact manifest's digest, in the subject's repository. */
  digest: string;
  subject: string;
  /** How the registry lists it among the subject's referrers: its API, or the fallback tag hoist updated. */
  listedBy: Exclude<ReferrersSource, 'none'>;
}

/**
 * Pushes an artifact (an SBOM, a provenance statement, a signature) that refers to `subject`,
 * into the subject's repository, by digest. A registry with the referrers API lists it from
 * then on by itself; for one without (distribution 2.8), the subject's fallback tag
 * (`sha256-<hex>`) gets the artifact added to its index.
 */
export async function attachArtifact(options: AttachOptions): Promise<AttachResult> {
  const { pool, subject, artifactType, files = [], annotations = {}, ...push } = options;
  const image = await pullImage(pool, subject, push.signal);
  const source = await artifactSource(image.root, artifactType, files, annotations);
  const artifact = source.root;
  await pushImage({ ...push, source, destinations: [{ registry: subject.registry, repository: subject.repository, digest: artifact.digest }] });
  const target = { client: pool.client(subject.registry), repository: subject.repository, ...(push.signal ? { signal: push.signal } : {}) };
  const result = { digest: artifact.digest, subject: image.root.digest };
  if (await referrersApi(target, image.root.digest)) return { ...result, listedBy: 'api' };
  const entry: Descriptor = { ...artifact, artifactType, ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}) };
  await addToFallback(target, image.root.digest, [entry]);
  return { ...result, listedBy: 'tag' };
}
