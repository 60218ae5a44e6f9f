import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Descriptor } from './descriptor.js';
import { digestOf } from './digest.js';
import { PushError } from './errors.js';
import { parseDescriptor } from './image-graph.js';
import type { ImageSource } from './image-source.js';

/**
 * An OCI image layout directory (OCI image spec, "image-layout"): `oci-layout`, `index.json`
 * and `blobs/<algorithm>/<hex>`. One entry of index.json is the image to push, chosen by its
 * `org.opencontainers.image.ref.name` annotation or by being the only one.
 */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Reads of 1 MiB keep syscalls few on large layers while holding little memory. */
const READ_CHUNK = 1024 * 1024;
/** index.json and manifests are small; anything larger than this is not one. */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export interface OciLayoutSpec {
  path: string;
  ref?: string;
}

/**
 * `oci:PATH[:REF]` or a plain PATH. A trailing `:REF` is split off only when it holds no slash,
 * so `oci:/builds/out:v1` is `/builds/out` with ref `v1`.
 */
export function parseOciLayoutSpec(spec: string): OciLayoutSpec {
  if (!spec.startsWith('oci:')) return { path: spec };
  const rest = spec.slice('oci:'.length);
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && !rest.slice(colon + 1).includes('/')) return { path: rest.slice(0, colon), ref: rest.slice(colon + 1) };
  return { path: rest };
}

export async function openOciLayout(spec: OciLayoutSpec): Promise<ImageSource> {
  const description = spec.ref === undefined ? `oci:${spec.path}` : `oci:${spec.path}:${spec.ref}`;
  const fail = (why: string): PushError => new PushError('INVALID_SOURCE', `${description}: ${why}`);

  await checkDirectory(spec.path, fail);
  const layoutFile = await readSmallFile(join(spec.path, 'oci-layout'), fail, 'oci-layout');
  try {
    const version = (JSON.parse(layoutFile.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    if (typeof version !== 'string') throw new Error('no version');
  } catch {
    throw fail('oci-layout is not valid (expected {"imageLayoutVersion": "1.0.0"})');
  }
  const indexBytes = await readSmallFile(join(spec.path, 'index.json'), fail, 'index.json');
  let index: { manifests?: unknown };
  try {
    index = JSON.parse(indexBytes.toString('utf8')) as { manifests?: unknown };
  } catch {
    throw fail('index.json is not valid JSON');
  }
  if (!Array.isArray(index.manifests)) throw fail('index.json has no "manifests" list');
  const entries = index.manifests.map((entry, i) => parseDescriptor(entry, `index.json manifests[${i}]`, fail));
  const root = selectEntry(entries, spec.ref, fail);
  return new OciLayoutSource(spec.path, description, root, fail);
}

function selectEntry(entries: Descriptor[], ref: string | undefined, fail: (why: string) => PushError): Descriptor {
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

async function checkDirectory(path: string, fail: (why: string) => PushError): Promise<void> {
  try {
    if (!(await stat(path)).isDirectory()) throw fail('not a directory');
  } catch (error) {
    if (error instanceof PushError) throw error;
    throw fail(`cannot open: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as NodeJS.ErrnoException).code}`);
  }
}

async function readSmallFile(path: string, fail: (why: string) => PushError, name: string): Promise<Buffer> {
  try {
    const size = (await stat(path)).size;
    if (size > MAX_MANIFEST_BYTES) throw fail(`${name} is ${size} bytes, too large to be what it claims`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof PushError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `${name} is missing (not an OCI layout)` : `cannot read ${name}: ${code}`);
  }
}

class OciLayoutSource implements ImageSource {
  constructor(
    private readonly dir: string,
    readonly description: string,
    readonly root: Descriptor,
    private readonly fail: (why: string) => PushError,
  ) {}

  async readManifest(descriptor: Descriptor): Promise<Buffer> {
    if (descriptor.size > MAX_MANIFEST_BYTES) throw this.fail(`manifest ${descriptor.digest} claims ${descriptor.size} bytes`);
    const bytes = await readSmallFile(this.blobPath(descriptor), this.fail, `blob ${descriptor.digest}`);
    if (bytes.length !== descriptor.size || digestOf(bytes, descriptor.digest) !== descriptor.digest) {
      throw this.fail(`manifest ${descriptor.digest} is corrupt: its bytes do not match the digest`);
    }
    return bytes;
  }

  async checkBlob(descriptor: Descriptor): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.blobPath(descriptor))).size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw this.fail(`blob ${descriptor.digest} is ${code === 'ENOENT' ? 'missing' : `unreadable (${code})`}`);
    }
    if (size !== descriptor.size) throw this.fail(`blob ${descriptor.digest} has ${size} bytes where ${descriptor.size} are declared`);
  }

  openBlob(descriptor: Descriptor): Readable {
    return createReadStream(this.blobPath(descriptor), { highWaterMark: READ_CHUNK });
  }

  /** Digests were validated when parsed, so the path cannot leave blobs/. */
  private blobPath(descriptor: Descriptor): string {
    const [algorithm, hex] = descriptor.digest.split(':') as [string, string];
    return join(this.dir, 'blobs', algorithm, hex);
  }
}
