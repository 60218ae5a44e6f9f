import { putManifest } from '../push/manifest-push.js';
import type { ImageReference } from '../reference.js';
import type { RegistryPool } from '../registry/registry-pool.js';
import { pullImage } from '../sources/registry-source.js';

/**
 * New tags for an image already in a registry (promotion: `:42` becomes `:prod`): its manifest
 * fetched once by `reference` and PUT under each tag, in the same repository. No blob moves;
 * the registry checks that the manifest's blobs are there, as for any manifest PUT.
 */
export async function tagImage(pool: RegistryPool, reference: ImageReference, tags: readonly string[], signal?: AbortSignal): Promise<{ digest: string; mediaType: string }> {
  const image = await pullImage(pool, reference, signal);
  const bytes = await image.readManifest(image.root);
  const target = { client: pool.client(reference.registry), repository: reference.repository, ...(signal ? { signal } : {}) };
  for (const tag of tags) await putManifest(target, image.root, bytes, tag);
  return { digest: image.root.digest, mediaType: image.root.mediaType };
}
