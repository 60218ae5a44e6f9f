import { decodeManifestFields } from '../decode/index.js';
import { isIndexMediaType, type Descriptor } from '../descriptor.js';
import type { ContainerConfig } from '../oci-types.js';
import { allBlobs, loadImageGraph, type ManifestNode } from '../push/image-graph.js';
import { formatPlatform } from '../push/platforms.js';
import { readImageConfig } from '../sources/image-config.js';
import type { ImageSource } from '../sources/image-source.js';

/** What `hoist inspect` tells of an image: enough to check a pipeline's result without pulling it. */
export interface ImageInspection {
  digest: string;
  mediaType: string;
  /** Bytes of every config and layer as stored (compressed), of all platforms together. */
  size: number;
  /** The platform of each image (one for a single manifest, each child's for an index). */
  platforms: { platform: string; digest: string; size: number }[];
  /** For a single manifest: when it was made, and what a container runs with. */
  created?: string;
  config?: ContainerConfig;
  annotations?: Record<string, string>;
}

/**
 * The image a source holds, read as a push would read it (every manifest fetched and checked
 * against its digest) plus, for a single manifest, its config. No layer is read.
 */
export async function inspectImage(source: ImageSource): Promise<ImageInspection> {
  const root = await loadImageGraph(source);
  // image-graph decoded these bytes already, annotations included: this cannot fail.
  const { annotations } = decodeManifestFields(root.bytes, `manifest ${root.descriptor.digest}`);
  const inspection: ImageInspection = {
    digest: root.descriptor.digest,
    mediaType: root.descriptor.mediaType,
    size: sizeOf(allBlobs(root)),
    platforms: [],
    ...(annotations ? { annotations } : {}),
  };
  if (isIndexMediaType(root.descriptor.mediaType)) {
    for (const image of imagesUnder(root)) {
      const platform = image.descriptor.platform;
      inspection.platforms.push({ platform: platform ? formatPlatform(platform) : 'unknown', digest: image.descriptor.digest, size: sizeOf(image.blobs) });
    }
    return inspection;
  }
  // image-graph lists an image manifest's config first, then its layers.
  const config = await readImageConfig(source, root.blobs[0]!);
  inspection.platforms.push({ platform: formatPlatform(config), digest: root.descriptor.digest, size: sizeOf(root.blobs) });
  if (config.created !== undefined) inspection.created = config.created;
  if (config.config) inspection.config = config.config;
  return inspection;
}

/** The image manifests under an index, nested indexes' too; each node's descriptor is its index's entry (platform and all). */
function imagesUnder(node: ManifestNode): ManifestNode[] {
  return isIndexMediaType(node.descriptor.mediaType) ? node.children.flatMap(imagesUnder) : [node];
}

function sizeOf(blobs: readonly Descriptor[]): number {
  return blobs.reduce((total, blob) => total + blob.size, 0);
}
