import { digestOf } from '../digest.js';
import type { ManifestNode } from './image-graph.js';

/**
 * The root manifest (or index) with `annotations` set, over those it has; its children as they
 * were. The bytes are new, and so is the digest: the push reports the source's beside it.
 */
export function annotateRoot(root: ManifestNode, annotations: Readonly<Record<string, string>> | undefined): ManifestNode {
  if (!annotations || Object.keys(annotations).length === 0) return root;
  const json = JSON.parse(root.bytes.toString('utf8')) as { annotations?: Record<string, string> };
  const bytes = Buffer.from(JSON.stringify({ ...json, annotations: { ...json.annotations, ...annotations } }));
  return { ...root, bytes, descriptor: { ...root.descriptor, digest: digestOf(bytes), size: bytes.length } };
}
