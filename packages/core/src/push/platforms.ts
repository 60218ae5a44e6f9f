import type { Descriptor, Platform } from '../descriptor.js';
import { digestOf } from '../digest.js';
import { PushError } from '../errors.js';
import type { ManifestNode } from './image-graph.js';

/**
 * `--platform os/arch[/variant]`: keeps only the matching entries of an index (nested indexes
 * are searched too). Several matches make a new index; a single match is pushed as that image
 * manifest alone. Either way the digest differs from the source's, which the caller reports.
 * A requested platform without a variant matches any variant (`linux/arm` takes `v7`);
 * `arm64` and `arm64/v8` are the same platform, as in containerd's normalisation.
 */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(text: string): PlatformSpec {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new PushError('USAGE', `invalid platform "${text}": expected os/arch[/variant], e.g. linux/arm64`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os, architecture, ...(variant === undefined ? {} : { variant }) };
}

export function formatPlatform(p: Partial<Platform>): string {
  return [p.os ?? '?', p.architecture ?? '?', p.variant].filter(Boolean).join('/');
}

function variantOf(p: { architecture: string; variant?: string }): string | undefined {
  return p.architecture === 'arm64' && p.variant === undefined ? 'v8' : p.variant;
}

function matches(wanted: PlatformSpec, actual: Platform | undefined): boolean {
  if (!actual || actual.os !== wanted.os || actual.architecture !== wanted.architecture) return false;
  return wanted.variant === undefined || variantOf(wanted) === variantOf(actual);
}

/**
 * `imagePlatform`: what a single manifest's config says it is for. Such an image passes when that
 * is a wanted platform (a plan may name the platform of every image, whatever its source holds).
 */
export function selectPlatforms(root: ManifestNode, wanted: readonly PlatformSpec[], imagePlatform?: Platform): ManifestNode {
  if (wanted.length === 0) return root;
  if (root.children.length === 0) {
    if (wanted.some((w) => matches(w, imagePlatform))) return root;
    const is = imagePlatform ? `for ${formatPlatform(imagePlatform)}` : 'of no stated platform';
    throw new PushError('USAGE', `--platform ${wanted.map(formatPlatform).join(',')}: this image is a single manifest ${is}; push the image built for that platform, or this one without --platform`);
  }
  const kept = keep(root, wanted);
  if (!kept) {
    const available = platformsOf(root).map(formatPlatform).join(', ');
    throw new PushError('USAGE', `no entry for ${wanted.map(formatPlatform).join(', ')} in the index; it has: ${available || 'no platforms'}`);
  }
  const images = imagesOf(kept);
  return images.length === 1 ? images[0]! : kept;
}

/** The index with only matching entries (and nested indexes that still hold one), or undefined. */
function keep(node: ManifestNode, wanted: readonly PlatformSpec[]): ManifestNode | undefined {
  const json = JSON.parse(node.bytes.toString('utf8')) as { manifests: Descriptor[] } & Record<string, unknown>;
  const entries: Descriptor[] = [];
  const children: ManifestNode[] = [];
  node.children.forEach((child, i) => {
    const entry = json.manifests[i]!;
    const selected = child.children.length > 0 ? keep(child, wanted) : wanted.some((w) => matches(w, entry.platform)) ? child : undefined;
    if (!selected) return;
    children.push(selected);
    entries.push({ ...entry, digest: selected.descriptor.digest, size: selected.descriptor.size });
  });
  if (children.length === 0) return undefined;
  if (children.length === node.children.length && children.every((c, i) => c === node.children[i])) return node;
  const bytes = Buffer.from(JSON.stringify({ ...json, manifests: entries }));
  return { descriptor: { ...node.descriptor, digest: digestOf(bytes), size: bytes.length }, bytes, children, blobs: [] };
}

function imagesOf(node: ManifestNode): ManifestNode[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(imagesOf);
}

function platformsOf(node: ManifestNode): Platform[] {
  const json = JSON.parse(node.bytes.toString('utf8')) as { manifests?: Descriptor[] };
  return node.children.flatMap((child, i) => (child.children.length > 0 ? platformsOf(child) : json.manifests?.[i]?.platform ? [json.manifests[i]!.platform!] : []));
}
