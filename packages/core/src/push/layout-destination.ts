import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Descriptor } from '../descriptor.js';
import { VerifyingStream } from '../digest.js';
import { PushError } from '../errors.js';
import type { PushEventListener } from './events.js';
import { allBlobs, type ManifestNode } from './image-graph.js';
import type { ImageSource } from '../sources/image-source.js';
import { blobName, REF_NAME_ANNOTATION } from '../sources/oci-layout.js';

/**
 * `oci:DIR[:REF]` as a destination: an OCI layout on disk, for air-gapped transfer or a
 * destination that needs no server. Blobs and manifests are written first (each to a temporary
 * name, verified, then renamed); index.json is rewritten last, atomically, so a failed push
 * leaves no new or moved ref, just as no tag moves in a registry.
 */
export interface LayoutDestination {
  path: string;
  refs: string[];
}

export interface LayoutWriteResult {
  written: number;
  present: number;
  bytesWritten: number;
}

const LAYOUT_VERSION = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/** Phase one: every blob and manifest of the image, by digest. */
export async function writeLayoutContent(destination: LayoutDestination, root: ManifestNode, source: ImageSource, emit: PushEventListener): Promise<LayoutWriteResult> {
  const name = `oci:${destination.path}`;
  const result: LayoutWriteResult = { written: 0, present: 0, bytesWritten: 0 };
  try {
    await mkdir(join(destination.path, 'blobs'), { recursive: true });
    await writeFile(join(destination.path, 'oci-layout'), LAYOUT_VERSION);
  } catch (error) {
    throw new PushError('USAGE', `${name}: cannot write the layout: ${(error as NodeJS.ErrnoException).code}`);
  }
  for (const blob of allBlobs(root)) {
    const event = { destination: name, digest: blob.digest, size: blob.size };
    if (await present(destination.path, blob)) {
      result.present++;
      emit({ type: 'blob-skipped', ...event });
      continue;
    }
    emit({ type: 'blob-started', ...event });
    await writeVerified(destination.path, blob, source);
    result.written++;
    result.bytesWritten += blob.size;
    emit({ type: 'blob-uploaded', ...event });
  }
  for (const node of manifests(root)) {
    const file = join(destination.path, blobName(node.descriptor));
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(`${file}.tmp`, node.bytes);
    await rename(`${file}.tmp`, file);
    emit({ type: 'manifest-pushed', destination: name, digest: node.descriptor.digest, reference: node.descriptor.digest });
  }
  return result;
}

/** Phase two: index.json names the image under every ref, replacing older entries of those names. */
export async function writeLayoutRefs(destination: LayoutDestination, root: ManifestNode, emit: PushEventListener): Promise<void> {
  const indexFile = join(destination.path, 'index.json');
  let index: { schemaVersion: number; manifests: Descriptor[] } & Record<string, unknown> = { schemaVersion: 2, manifests: [] };
  try {
    const existing = JSON.parse(await readFile(indexFile, 'utf8')) as typeof index;
    if (Array.isArray(existing.manifests)) index = existing;
  } catch {
    // No index.json yet (a new layout), or one that is not JSON: it is replaced.
  }
  const { platform: _platform, annotations: _annotations, ...plain } = root.descriptor;
  const kept = index.manifests.filter((m) => !destination.refs.includes(m.annotations?.[REF_NAME_ANNOTATION] ?? ''));
  const added = destination.refs.map((ref) => ({ ...plain, annotations: { [REF_NAME_ANNOTATION]: ref } }));
  const untagged = destination.refs.length === 0 && !kept.some((m) => m.digest === root.descriptor.digest) ? [plain] : [];
  index.manifests = [...kept, ...added, ...untagged];
  await writeFile(`${indexFile}.tmp`, JSON.stringify(index));
  await rename(`${indexFile}.tmp`, indexFile);
  for (const ref of destination.refs) emit({ type: 'manifest-pushed', destination: `oci:${destination.path}`, digest: root.descriptor.digest, reference: ref });
}

function manifests(node: ManifestNode): ManifestNode[] {
  // Children first, so a reader never finds an index whose children are missing.
  return [...node.children.flatMap(manifests), node];
}

async function present(dir: string, blob: Descriptor): Promise<boolean> {
  try {
    return (await stat(join(dir, blobName(blob)))).size === blob.size;
  } catch {
    return false;
  }
}

async function writeVerified(dir: string, blob: Descriptor, source: ImageSource): Promise<void> {
  const file = join(dir, blobName(blob));
  const temp = `${file}.${process.pid}.tmp`;
  await mkdir(join(file, '..'), { recursive: true });
  try {
    await pipeline(source.openBlob(blob), new VerifyingStream(blob), createWriteStream(temp));
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
