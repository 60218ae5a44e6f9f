import { groupDestinations } from './destinations.js';
import type { PushEvent } from './events.js';
import { allBlobs, type ManifestNode } from './image-graph.js';
import type { PushOptions } from './push.js';
import { withDefaultRef } from './push-session.js';

/**
 * The `image-started` event of a push, once its graph is read and before anything is compressed
 * or sent: the source, its layers and bytes, and each destination with the tags it will get.
 */
export function imageStarted(options: PushOptions, root: ManifestNode): Extract<PushEvent, { type: 'image-started' }> {
  const tags = options.tags ?? [];
  const registries = groupDestinations(options.destinations, tags).map((d) => ({ name: `${d.registry}/${d.repository}`, tags: d.tags }));
  const layouts = (options.layoutDestinations ?? []).map((l) => ({ name: `oci:${l.path}`, tags: withDefaultRef([...l.refs, ...tags]) }));
  const daemons = (options.daemonDestinations ?? []).map((d) => ({ name: d.name, tags: d.repoTags.map((t) => t.slice(t.lastIndexOf(':') + 1)) }));
  return {
    type: 'image-started',
    source: options.source.description,
    layers: layerCount(root),
    bytes: allBlobs(root).reduce((sum, blob) => sum + blob.size, 0),
    destinations: [...registries, ...layouts, ...daemons],
  };
}

/** Distinct layers of every image manifest under `root` (an image manifest's first blob is its config). */
function layerCount(root: ManifestNode): number {
  const layers = new Set<string>();
  const visit = (node: ManifestNode): void => {
    for (const layer of node.blobs.slice(1)) layers.add(layer.digest);
    node.children.forEach(visit);
  };
  visit(root);
  return layers.size;
}
