import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { LayoutWriter, REF_NAME, sha256, type Descriptor, type WrittenImage } from './layout-writer.js';
import { singleFileTar, tarOf } from './tar.js';

const run = promisify(execFile);

/**
 * Image archives in the shapes pipelines hand over. skopeo, an independent tool, writes the
 * legacy `docker save` and OCI archives; the Docker 25 and containerd-store shapes are built
 * by hand, since no tool here writes them.
 */
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

/** skopeo copy from an OCI layout (as written by LayoutWriter) to `docker-archive:` or `oci-archive:`. */
export async function skopeoArchive(layout: string, ref: string, transport: 'docker-archive' | 'oci-archive', file: string, name?: string): Promise<void> {
  const destination = transport === 'docker-archive' ? `docker-archive:${file}${name ? `:${name}` : ''}` : `oci-archive:${file}${name ? `:${name}` : ''}`;
  await run('skopeo', ['copy', '--quiet', `oci:${layout}:${ref}`, destination]);
}

/** Every file under `dir`, as tar entries with relative names. */
async function entriesOf(dir: string): Promise<{ name: string; content: Buffer }[]> {
  const out: { name: string; content: Buffer }[] = [];
  for (const item of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!item.isFile()) continue;
    const path = join(item.parentPath, item.name);
    out.push({ name: relative(dir, path), content: await readFile(path) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface Docker25Archive {
  /** The root entry of index.json: an image manifest, or an index for the containerd shape. */
  root: Descriptor;
  images: WrittenImage[];
  /** diffIDs of every layer; with uncompressed layers these are also the blob digests. */
  diffIds: string[];
}

/**
 * A Docker 25+ `docker save`: an OCI layout with uncompressed layers, plus the legacy
 * manifest.json pointing into blobs/. With `containerd`, the image is an index of two platforms
 * sharing a base layer (the containerd image store's save); with `compressedLayers`, the layers
 * are gzip'd blobs of a few MiB, as that store keeps what it pulled. `diffIds` then lists the
 * layers' blob digests, not their diffIDs.
 */
export async function makeDocker25Archive(dir: string, file: string, options: { containerd?: boolean; gzip?: boolean; compressedLayers?: boolean } = {}): Promise<Docker25Archive> {
  const writer = await LayoutWriter.create(dir);
  // The containerd store keeps layers as pulled: gzip'd (a few MiB here, so they stream to disk).
  const layer = async (size: number) => {
    if (options.compressedLayers) return writer.writeLayer(size * 100);
    const tar = singleFileTar(`file-${size}.bin`, Buffer.alloc(size, size % 251));
    const blob = await writer.writeBlob(tar, OCI_LAYER_TAR);
    return { layer: blob, diffId: blob.digest };
  };
  const base = await layer(70_000);
  const images = [await writer.writeImage([base, await layer(30_000)], { os: 'linux', architecture: 'amd64' })];
  if (options.containerd) images.push(await writer.writeImage([base, await layer(20_000)], { os: 'linux', architecture: 'arm64' }));
  const root = options.containerd ? await writer.writeIndex(images.map((i) => i.manifest)) : images[0]!.manifest;
  const rootEntry = { ...root, annotations: { 'io.containerd.image.name': 'docker.io/team/app:1.0', [REF_NAME]: '1.0' } };
  const { platform: _platform, ...plainRoot } = rootEntry;
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [plainRoot] }));
  const first = images[0]!;
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify([{ Config: `blobs/sha256/${first.config.digest.slice(7)}`, RepoTags: ['team/app:1.0'], Layers: first.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }]),
  );
  const tar = tarOf(await entriesOf(dir));
  await writeFile(file, options.gzip ? gzipSync(tar) : tar);
  const diffIds = [...new Set(images.flatMap((i) => i.layers.map((l) => l.digest)))];
  return { root, images, diffIds };
}

/** A legacy `docker save` written by hand, for archives that lie (a bad config, a missing layer, a hostile name). */
export async function writeLegacyArchive(file: string, parts: { config: object; layers: { name: string; content: Buffer }[]; manifest?: unknown; extra?: { name: string; content: Buffer }[] }): Promise<void> {
  const configBytes = Buffer.from(JSON.stringify(parts.config));
  const configName = `${sha256(configBytes).slice(7)}.json`;
  const manifest = parts.manifest ?? [{ Config: configName, RepoTags: ['team/app:1.0'], Layers: parts.layers.map((l) => l.name) }];
  await writeFile(
    file,
    tarOf([{ name: 'manifest.json', content: Buffer.from(JSON.stringify(manifest)) }, { name: configName, content: configBytes }, ...parts.layers, ...(parts.extra ?? [])]),
  );
}
