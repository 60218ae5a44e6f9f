import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MediaTypes, type Descriptor } from '../descriptor.js';
import { digestOf } from '../digest.js';
import type { FileStore } from './file-store.js';
import type { ImageSource } from './image-source.js';
import { isValidDigest, formatReference, parseReference } from '../reference.js';
import { readIndexEntries, readSmall, REF_NAME_ANNOTATION, StoreSource } from './oci-layout.js';
import type { Fail } from '../errors.js';
import { plural } from '../plural.js';

/**
 * `docker save` tarballs, in the shapes Docker has written them:
 * - legacy: `manifest.json` (`[{Config, RepoTags, Layers}]`), `<id>/layer.tar`, the config JSON;
 * - Docker 25+ and the containerd image store: the same archive is also an OCI layout
 *   (`oci-layout`, `index.json`, `blobs/`), possibly with a nested index per image.
 * One image is chosen by REF (`repo:tag`, compared as normalised references) or `@N`.
 * Legacy layers become descriptors named by their diffIDs; uncompressed ones are compressed later
 * (compress-layers.ts) and checked against those diffIDs then. The manifest made for a legacy
 * image uses OCI media types, as Docker 25 and BuildKit do: every current registry takes them,
 * and an OCI layout destination is readable by OCI tools (skopeo reads no Docker manifest there).
 */
const CONTAINERD_NAME = 'io.containerd.image.name';
const OCI_CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar';
const OCI_LAYER_GZIP_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_LAYER_ZSTD_TYPE = 'application/vnd.oci.image.layer.v1.tar+zstd';

interface LegacyEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

export async function openDockerArchive(store: FileStore, ref: string | undefined, description: string, fail: Fail): Promise<ImageSource> {
  if ((await store.size('oci-layout')) !== undefined && (await store.size('index.json')) !== undefined) {
    const entries = await readIndexEntries(store, fail);
    const names = entries.map((e) => [e.annotations?.[CONTAINERD_NAME] ?? e.annotations?.[REF_NAME_ANNOTATION]].filter((n): n is string => n !== undefined));
    const root = entries[pick(names, ref, fail)]!;
    return new StoreSource(store, description, root, fail);
  }
  const manifest = await readSmall(store, 'manifest.json', fail, 'manifest.json is missing (not a docker save archive)');
  let list: LegacyEntry[];
  try {
    list = JSON.parse(manifest.toString('utf8')) as LegacyEntry[];
  } catch {
    throw fail('manifest.json is not valid JSON');
  }
  if (!Array.isArray(list) || list.length === 0) throw fail('manifest.json lists no images');
  const names = list.map((e) => (Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : []));
  const entry = list[pick(names, ref, fail)]!;
  return legacyImage(store, entry, description, fail);
}

/** Which image REF names: one of an image's names (`repo:tag`, compared normalised), or `@N`. */
function pick(names: string[][], ref: string | undefined, fail: Fail): number {
  const listing = names.map((n, i) => `@${i}${n.length > 0 ? ` (${n.join(', ')})` : ''}`).join(', ');
  if (ref === undefined) {
    if (names.length === 1) return 0;
    throw fail(`the archive holds ${names.length} images; pick one with :REF from: ${listing}`);
  }
  if (/^@\d+$/.test(ref)) {
    const index = Number(ref.slice(1));
    if (index >= names.length) throw fail(`no image ${ref}; the archive holds ${listing}`);
    return index;
  }
  const wanted = normalise(ref);
  const found = names.findIndex((n) => n.some((name) => name === ref || normalise(name) === wanted));
  if (found < 0) throw fail(`no image named "${ref}"; the archive holds ${listing}`);
  return found;
}

function normalise(name: string): string {
  try {
    const parsed = parseReference(name);
    return formatReference(parsed.tag === undefined && parsed.digest === undefined ? { ...parsed, tag: 'latest' } : parsed);
  } catch {
    return name;
  }
}

async function legacyImage(store: FileStore, entry: LegacyEntry, description: string, fail: Fail): Promise<ImageSource> {
  if (typeof entry.Config !== 'string') throw fail('manifest.json entry has no Config');
  if (!Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) throw fail('manifest.json entry has no Layers list');
  const configName = entry.Config;
  const layerNames = entry.Layers as string[];
  const configBytes = await readSmall(store, configName, fail, `${configName} (the image config) is missing`);
  let diffIds: unknown;
  try {
    diffIds = (JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
  } catch {
    throw fail(`${configName} is not valid JSON`);
  }
  if (!Array.isArray(diffIds) || diffIds.length !== layerNames.length || !diffIds.every((d) => typeof d === 'string' && isValidDigest(d))) {
    throw fail(`the config's diff_ids do not match the ${plural(layerNames.length, 'layer')} listed in manifest.json`);
  }

  const files = new Map<string, string>();
  const config: Descriptor = { mediaType: OCI_CONFIG_TYPE, digest: digestOf(configBytes), size: configBytes.length };
  files.set(config.digest, configName);
  const layers: Descriptor[] = [];
  for (const [i, name] of layerNames.entries()) {
    const size = await store.size(name);
    if (size === undefined) throw fail(`layer ${name} is missing from the archive`);
    const layer = await layerDescriptor(store, name, size, diffIds[i] as string);
    files.set(layer.digest, name);
    layers.push(layer);
  }
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers }));
  const root: Descriptor = { mediaType: MediaTypes.ociManifest, digest: digestOf(manifestBytes), size: manifestBytes.length };
  return {
    description,
    root,
    readManifest: async (d) => {
      if (d.digest !== root.digest) throw fail(`no manifest ${d.digest} in the archive`);
      return manifestBytes;
    },
    checkBlob: async (d) => {
      if (!files.has(d.digest)) throw fail(`blob ${d.digest} is not in the archive`);
    },
    openBlob: (d: Descriptor): Readable => store.open(files.get(d.digest)!),
    close: () => store.close(),
  };
}

/**
 * An uncompressed layer is named by its diffID (verified when it is compressed). A layer that is
 * already gzip or zstd has to be hashed here: its blob digest is not written anywhere.
 */
async function layerDescriptor(store: FileStore, name: string, size: number, diffId: string): Promise<Descriptor> {
  const head = await firstBytes(store.open(name), 4);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const zstd = head.readUInt32LE(0) === 0xfd2fb528;
  if (!gzip && !zstd) return { mediaType: OCI_LAYER_TYPE, digest: diffId, size };
  const hash = createHash('sha256');
  for await (const chunk of store.open(name)) hash.update(chunk as Buffer);
  return { mediaType: gzip ? OCI_LAYER_GZIP_TYPE : OCI_LAYER_ZSTD_TYPE, digest: `sha256:${hash.digest('hex')}`, size };
}

async function firstBytes(stream: Readable, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= count) break;
  }
  stream.destroy();
  const head = Buffer.concat(chunks);
  return head.length >= count ? head : Buffer.concat([head, Buffer.alloc(count - head.length)]);
}
