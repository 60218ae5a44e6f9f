import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Descriptor } from '../descriptor.js';
import { digestOf } from '../digest.js';
import { PushError, type Fail } from '../errors.js';
import { directoryStore, type FileStore } from './file-store.js';
import { parseDescriptor } from '../push/image-graph.js';
import type { ImageSource } from './image-source.js';
import { plural } from '../plural.js';

/**
 * An OCI image layout (OCI image spec, "image-layout"): `oci-layout`, `index.json` and
 * `blobs/<algorithm>/<hex>`, in a directory or inside an archive. One entry of index.json is the
 * image to push, chosen by its `org.opencontainers.image.ref.name` annotation or by being the only one.
 */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** index.json and manifests are small; anything larger than this is not one. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export interface OciLayoutSpec {
  path: string;
  ref?: string;
}

/**
 * `oci:PATH[:REF]` or a plain PATH, split at the first colon after the prefix as skopeo splits
 * it (containers/image): `oci:/builds/out:v1` is `/builds/out` with ref `v1`, and
 * `oci:out:feature/login` is `out` with ref `feature/login`. A PATH cannot hold a colon. The
 * ref only ever names an entry of index.json, never a file.
 */
export function parseOciLayoutSpec(spec: string, prefix = 'oci:'): OciLayoutSpec {
  if (!spec.startsWith(prefix)) return { path: spec };
  const rest = spec.slice(prefix.length);
  const colon = rest.indexOf(':');
  return colon < 0 ? { path: rest } : { path: rest.slice(0, colon), ref: rest.slice(colon + 1) };
}

export function describeSpec(prefix: string, spec: OciLayoutSpec): string {
  return spec.ref === undefined ? `${prefix}${spec.path}` : `${prefix}${spec.path}:${spec.ref}`;
}

export async function openOciLayout(spec: OciLayoutSpec): Promise<ImageSource> {
  const description = describeSpec('oci:', spec);
  const fail: Fail = (why) => new PushError('INVALID_SOURCE', `${description}: ${why}`);
  await checkDirectory(spec.path, fail);
  return openLayoutIn(directoryStore(spec.path, fail), spec.ref, description, fail);
}

/** The layout held by `store`: checks oci-layout, reads index.json, picks the entry. */
export async function openLayoutIn(store: FileStore, ref: string | undefined, description: string, fail: Fail): Promise<ImageSource & { close(): Promise<void> }> {
  const layoutFile = await readSmall(store, 'oci-layout', fail, 'oci-layout is missing (not an OCI layout)');
  try {
    const version = (JSON.parse(layoutFile.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    if (typeof version !== 'string') throw new Error('no version');
  } catch {
    throw fail('oci-layout is not valid (expected {"imageLayoutVersion": "1.0.0"})');
  }
  const entries = await readIndexEntries(store, fail);
  return new StoreSource(store, description, selectEntry(entries, ref, fail), fail);
}

export async function readIndexEntries(store: FileStore, fail: Fail): Promise<Descriptor[]> {
  const indexBytes = await readSmall(store, 'index.json', fail, 'index.json is missing (not an OCI layout)');
  let index: { manifests?: unknown };
  try {
    index = JSON.parse(indexBytes.toString('utf8')) as { manifests?: unknown };
  } catch {
    throw fail('index.json is not valid JSON');
  }
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) throw fail('index.json has no "manifests" list');
  return index.manifests.map((entry, i) => parseDescriptor(entry, `index.json manifests[${i}]`, fail));
}

function selectEntry(entries: Descriptor[], ref: string | undefined, fail: Fail): Descriptor {
  const names = entries.map((e) => e.annotations?.[REF_NAME_ANNOTATION]).filter((n): n is string => n !== undefined);
  const listing = names.length > 0 ? names.join(', ') : '(none named)';
  if (ref !== undefined) {
    const match = entries.find((e) => e.annotations?.[REF_NAME_ANNOTATION] === ref);
    if (!match) throw fail(`no image named "${ref}" in index.json; it has: ${listing}`);
    return match;
  }
  if (entries.length === 0) throw fail('index.json lists no images');
  if (entries.length > 1) throw fail(`index.json lists ${entries.length} images; pick one with oci:PATH:REF from: ${listing}`);
  return entries[0]!;
}

async function checkDirectory(path: string, fail: Fail): Promise<void> {
  try {
    if (!(await stat(path)).isDirectory()) throw fail('not a directory');
  } catch (error) {
    if (error instanceof PushError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(`cannot open: ${code === 'ENOENT' ? 'no such directory' : code}`);
  }
}

/** A file known to be small (metadata, manifests), or a clear failure. */
export async function readSmall(store: FileStore, name: string, fail: Fail, missing: string): Promise<Buffer> {
  let size: number | undefined;
  try {
    size = await store.size(name);
  } catch (error) {
    // The store's own refusal (a link out of the layout) already says what is wrong.
    if (error instanceof PushError) throw error;
    throw fail(`cannot read ${name}: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (size === undefined) throw fail(missing);
  if (size > MAX_MANIFEST_BYTES) throw fail(`${name} is ${size} bytes, too large to be what it claims`);
  return store.read(name);
}

/** Digests were validated when parsed, so the name cannot leave blobs/. */
export function blobName(descriptor: Descriptor): string {
  const [algorithm, hex] = descriptor.digest.split(':') as [string, string];
  return `blobs/${algorithm}/${hex}`;
}

/** An image whose manifests and blobs are files of a store, under `blobs/`. */
export class StoreSource implements ImageSource {
  constructor(
    private readonly store: FileStore,
    readonly description: string,
    readonly root: Descriptor,
    private readonly fail: Fail,
  ) {}

  async readManifest(descriptor: Descriptor): Promise<Buffer> {
    if (descriptor.size > MAX_MANIFEST_BYTES) throw this.fail(`manifest ${descriptor.digest} claims ${descriptor.size} bytes`);
    const bytes = await readSmall(this.store, blobName(descriptor), this.fail, `blob ${descriptor.digest} is missing`);
    if (bytes.length !== descriptor.size || digestOf(bytes, descriptor.digest) !== descriptor.digest) {
      throw this.fail(`manifest ${descriptor.digest} is corrupt: its bytes do not match the digest`);
    }
    return bytes;
  }

  async checkBlob(descriptor: Descriptor): Promise<void> {
    const size = await this.store.size(blobName(descriptor));
    if (size === undefined) throw this.fail(`blob ${descriptor.digest} is missing`);
    if (size !== descriptor.size) throw this.fail(`blob ${descriptor.digest} has ${plural(size, 'byte')} where ${descriptor.size} ${descriptor.size === 1 ? 'is' : 'are'} declared`);
  }

  openBlob(descriptor: Descriptor): Readable {
    return this.store.open(blobName(descriptor), descriptor.size);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
