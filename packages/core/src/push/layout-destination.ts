import { createWriteStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Descriptor } from '../descriptor.js';
import { VerifyingStream } from '../digest.js';
import { PushError } from '../errors.js';
import { makeDirectories } from '../make-directories.js';
import type { PushEventListener } from './events.js';
import { allBlobs, type ManifestNode } from './image-graph.js';
import type { ImageSource } from '../sources/image-source.js';
import { blobName, REF_NAME_ANNOTATION } from '../sources/oci-layout.js';
import { holdsBlob, putInPlace, readIndexJson, realDirectory, replaceFile } from './layout-files.js';
import { withIndexLock } from './layout-lock.js';

/**
 * `oci:DIR[:REF]` as a destination: an OCI layout on disk, for air-gapped transfer or a
 * destination that needs no server. Blobs and manifests are written first (each to a temporary
 * name, verified, then renamed); index.json is rewritten last, atomically and under a lock, so
 * a failed push leaves no new or moved ref, just as no tag moves in a registry, and two pushes
 * into one layout keep each other's refs. Nothing is written through a symbolic link
 * (layout-files.ts), and an index.json that does not parse is refused, never replaced.
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
export async function writeLayoutContent(destination: LayoutDestination, root: ManifestNode, source: ImageSource, emit: PushEventListener, signal?: AbortSignal): Promise<LayoutWriteResult> {
  const name = `oci:${destination.path}`;
  const result: LayoutWriteResult = { written: 0, present: 0, bytesWritten: 0 };
  try {
    await makeDirectories(destination.path);
    // Before anything is written: a broken index.json would otherwise cost a whole push.
    await readIndexJson(destination.path);
    await writeLayoutMarker(destination.path);
    const dirs = new Set([...allBlobs(root), ...manifests(root).map((n) => n.descriptor)].map((d) => dirname(join(destination.path, blobName(d)))));
    for (const dir of dirs) await realDirectory(destination.path, dir);
  } catch (error) {
    if (error instanceof PushError) throw error;
    throw new PushError('USAGE', `${name}: cannot write the layout: ${(error as NodeJS.ErrnoException).code}`);
  }
  for (const blob of allBlobs(root)) {
    signal?.throwIfAborted();
    const event = { destination: name, digest: blob.digest, size: blob.size };
    if (await holdsBlob(join(destination.path, blobName(blob)), blob)) {
      result.present++;
      emit({ type: 'blob-skipped', ...event });
      continue;
    }
    emit({ type: 'blob-started', ...event });
    await writeVerified(destination.path, blob, source, signal);
    result.written++;
    result.bytesWritten += blob.size;
    emit({ type: 'blob-uploaded', ...event });
  }
  for (const node of manifests(root)) {
    await replaceFile(join(destination.path, blobName(node.descriptor)), node.bytes);
    emit({ type: 'manifest-pushed', destination: name, digest: node.descriptor.digest, reference: node.descriptor.digest });
  }
  return result;
}

/** Phase two: index.json names the image under every ref, replacing older entries of those names. */
export async function writeLayoutRefs(destination: LayoutDestination, root: ManifestNode, emit: PushEventListener, signal?: AbortSignal): Promise<void> {
  await withIndexLock(destination.path, signal, async () => {
    signal?.throwIfAborted();
    const index = (await readIndexJson(destination.path)) ?? { schemaVersion: 2, manifests: [] };
    const { platform: _platform, annotations: _annotations, ...plain } = root.descriptor;
    const kept = index.manifests.filter((m) => !destination.refs.includes(m.annotations?.[REF_NAME_ANNOTATION] ?? ''));
    const added = destination.refs.map((ref) => ({ ...plain, annotations: { [REF_NAME_ANNOTATION]: ref } }));
    const untagged = destination.refs.length === 0 && !kept.some((m) => m.digest === root.descriptor.digest) ? [plain] : [];
    index.manifests = [...kept, ...added, ...untagged];
    await replaceFile(join(destination.path, 'index.json'), JSON.stringify(index));
  });
  for (const ref of destination.refs) emit({ type: 'manifest-pushed', destination: `oci:${destination.path}`, digest: root.descriptor.digest, reference: ref });
}

function manifests(node: ManifestNode): ManifestNode[] {
  // Children first, so a reader never finds an index whose children are missing.
  return [...node.children.flatMap(manifests), node];
}

/** oci-layout, left alone when it is a file that already says the same; replaced otherwise (a link included). */
async function writeLayoutMarker(dir: string): Promise<void> {
  const file = join(dir, 'oci-layout');
  const info = await lstat(file).catch(() => undefined);
  if (info?.isFile() && (await readFile(file, 'utf8')) === LAYOUT_VERSION) return;
  await replaceFile(file, LAYOUT_VERSION);
}

function writeVerified(dir: string, blob: Descriptor, source: ImageSource, signal: AbortSignal | undefined): Promise<void> {
  return putInPlace(join(dir, blobName(blob)), (temp) => pipeline(source.openBlob(blob), new VerifyingStream(blob), createWriteStream(temp, { flags: 'wx' }), { signal }));
}
