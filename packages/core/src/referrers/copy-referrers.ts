import { loadImageGraph, type ManifestNode } from '../push/image-graph.js';
import { pushImage, type PushOptions } from '../push/push.js';
import type { ImageReference } from '../reference.js';
import type { RegistryPool } from '../registry/registry-pool.js';
import { pullImage } from '../sources/registry-source.js';
import { addToFallback, listReferrers, referrersApi, referrersTag } from './referrers.js';

export type CopyReferrersOptions = Omit<PushOptions, 'source' | 'destinations' | 'tags' | 'platforms' | 'layoutDestinations' | 'daemonDestinations' | 'annotations'> & {
  pool: RegistryPool;
  /** The image copied, in its source repository. */
  from: ImageReference;
  /** The repositories it was copied to. */
  to: readonly { registry: string; repository: string }[];
};

/** cosign's tags beside an image (`sha256-<hex>.sig`, `.att`, `.sbom`), from before OCI 1.1 referrers. */
const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'];

/**
 * What refers to an image copied from a registry, brought along to its destinations: every
 * referrer of each of its manifests (from the API or the fallback tag), and the referrers of
 * those in turn, each pushed by digest and listed at the destination (by its API, or in its
 * fallback tag); and cosign's tags of each manifest, pushed under the same tags. Returns how
 * many were copied.
 */
export async function copyReferrers(options: CopyReferrersOptions): Promise<number> {
  const { pool, from, ...push } = options;
  // Repositories only: a destination's tag is the image's, never a referrer's.
  const to = [...new Map(options.to.map((t) => [`${t.registry}/${t.repository}`, { registry: t.registry, repository: t.repository }])).values()];
  const root = await loadImageGraph(await pullImage(pool, from, push.signal));
  const pending = manifestDigests(root);
  const done = new Set<string>(pending);
  const copy = async (reference: ImageReference, tag?: string): Promise<void> => {
    const source = await pullImage(pool, reference, push.signal);
    await pushImage({ ...push, source, destinations: to.map((t) => (tag ? { ...t, tag } : { ...t, digest: source.root.digest })) });
  };
  const targets = to.map((t) => ({ client: pool.client(t.registry), repository: t.repository, ...(push.signal ? { signal: push.signal } : {}) }));
  // Whether a destination has the referrers API is its registry's, asked once (with the first subject).
  let needFallback: Promise<boolean[]> | undefined;
  let copied = 0;
  for (let subject = pending.shift(); subject !== undefined; subject = pending.shift()) {
    const { referrers } = await listReferrers(pool, from, subject);
    const fresh = referrers.filter((r) => !done.has(r.digest));
    for (const referrer of fresh) {
      done.add(referrer.digest);
      await copy({ ...from, tag: undefined, digest: referrer.digest });
      pending.push(referrer.digest);
      copied++;
    }
    if (fresh.length > 0) {
      needFallback ??= Promise.all(targets.map(async (target) => !(await referrersApi(target, subject))));
      const fallback = await needFallback;
      await Promise.all(targets.filter((_, i) => fallback[i]).map((target) => addToFallback(target, subject, fresh)));
    }
    for (const suffix of COSIGN_SUFFIXES) {
      const tag = `${referrersTag(subject)}.${suffix}`;
      if ((await pool.reader(from.registry).manifestDigest(from.repository, tag)) === undefined) continue;
      await copy({ ...from, digest: undefined, tag }, tag);
      copied++;
    }
  }
  return copied;
}

function manifestDigests(node: ManifestNode): string[] {
  return [node.descriptor.digest, ...node.children.flatMap(manifestDigests)];
}
