import { PushError } from '../errors.js';
import { isValidTag, type ImageReference } from '../reference.js';

/**
 * Destinations grouped by repository: `reg/app:a reg/app:b -t c` is one repository with the tags
 * a, b and c. A destination with neither tag nor digest gets `latest`, as `docker push` would.
 */
export interface DestinationPlan {
  registry: string;
  repository: string;
  tags: string[];
}

export const DEFAULT_TAG = 'latest';

export function planDestinations(destinations: readonly ImageReference[], extraTags: readonly string[], digest: string): DestinationPlan[] {
  if (destinations.length === 0) throw new PushError('USAGE', 'no destination given');
  for (const ref of destinations) {
    if (ref.digest !== undefined && ref.digest !== digest) {
      throw new PushError('USAGE', `destination ${ref.registry}/${ref.repository}@${ref.digest} names a digest other than the image's ${digest}`);
    }
  }
  return groupDestinations(destinations, extraTags);
}

/**
 * The grouping, with the extra tags checked but not the digests: for saying where an image goes
 * before its digest is known (a bad `-t` then fails before any of the image is read).
 */
export function groupDestinations(destinations: readonly ImageReference[], extraTags: readonly string[]): DestinationPlan[] {
  // With no registry to push to, the tags are refs of layouts, whose grammar is their own.
  if (destinations.length === 0) return [];
  for (const tag of extraTags) {
    if (!isValidTag(tag)) throw new PushError('USAGE', `invalid tag "${tag}": must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  const plans = new Map<string, { plan: DestinationPlan; tags: Set<string>; byDigestOnly: boolean }>();
  for (const ref of destinations) {
    const key = `${ref.registry}/${ref.repository}`;
    let entry = plans.get(key);
    if (!entry) {
      entry = { plan: { registry: ref.registry, repository: ref.repository, tags: [] }, tags: new Set(), byDigestOnly: true };
      plans.set(key, entry);
    }
    if (ref.tag !== undefined) entry.tags.add(ref.tag);
    if (ref.digest === undefined) entry.byDigestOnly = false;
  }
  return [...plans.values()].map(({ plan, tags, byDigestOnly }) => {
    for (const tag of extraTags) tags.add(tag);
    if (tags.size === 0 && !byDigestOnly) tags.add(DEFAULT_TAG);
    return { ...plan, tags: [...tags] };
  });
}
