import { pipeline, Readable } from 'node:stream';
import type { Descriptor } from '../descriptor.js';
import { VerifyingStream } from '../digest.js';
import { PushError } from '../errors.js';
import type { PushEventListener } from '../push/events.js';
import type { ManifestNode } from '../push/image-graph.js';
import { selectPlatforms } from '../push/platforms.js';
import type { ImageSource } from '../sources/image-source.js';
import { END_OF_ARCHIVE, fileHeader, padding } from '../sources/tar-header.js';
import { engineClient, type EngineClient } from './engine-client.js';

/**
 * `docker-daemon:NAME[:TAG]` as a destination: the image goes into a Docker daemon through
 * `POST /images/load` (docker load's own call), so a pipeline can load what it pulled or built.
 * The archive streams out in the legacy `docker save` shape every daemon loads (manifest.json,
 * the config, one `layer.tar` per layer), with the layers as they are: docker load decompresses
 * gzip'd ones itself. An index is narrowed to the daemon's own platform. Each blob is verified
 * against its digest on the way, and the daemon tags the image only once it has all of it.
 */
export interface DaemonDestination {
  /** `docker-daemon:NAME`, for messages and events. */
  name: string;
  /** `NAME:TAG` for each tag the image gets in the daemon. */
  repoTags: string[];
}

export async function loadIntoDaemon(destination: DaemonDestination, root: ManifestNode, source: ImageSource, options: { env?: NodeJS.ProcessEnv; emit: PushEventListener; signal?: AbortSignal }): Promise<{ blobs: number; bytes: number }> {
  const client = engineClient(options.env);
  try {
    const image = await imageForDaemon(client, destination, root, options.signal);
    const [config, ...layers] = image.blobs as [Descriptor, ...Descriptor[]];
    const manifest = Buffer.from(JSON.stringify([{ Config: `${hex(config)}.json`, RepoTags: destination.repoTags, Layers: layers.map((l) => `${hex(l)}/layer.tar`) }]));
    const emit = options.emit;
    let whole = false;
    async function* archive(): AsyncGenerator<Buffer> {
      for (const [blob, name] of [[config, `${hex(config)}.json`] as const, ...layers.map((l) => [l, `${hex(l)}/layer.tar`] as const)]) {
        emit({ type: 'blob-started', destination: destination.name, digest: blob.digest, size: blob.size });
        yield fileHeader(name, blob.size);
        // A blob this process hashed as it made it is only counted; any other is hashed on the way.
        yield* pipeline(source.openBlob(blob), new VerifyingStream(blob, undefined, !(source.madeHere?.(blob) ?? false)), () => {}) as AsyncIterable<Buffer>;
        yield padding(blob.size);
        emit({ type: 'blob-uploaded', destination: destination.name, digest: blob.digest, size: blob.size });
      }
      yield fileHeader('manifest.json', manifest.length);
      yield manifest;
      yield padding(manifest.length);
      yield END_OF_ARCHIVE;
      whole = true;
    }
    const body = Readable.from(archive(), { objectMode: false });
    const res = await client.send('POST', '/images/load?quiet=1', {
      body,
      headers: { 'content-type': 'application/x-tar' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The daemon may also answer 200 and then report a failed load in the JSON lines it sends.
    const refused = res.status !== 200 ? await res.message() : loadError(Buffer.concat(await res.body.toArray()).toString('utf8'));
    if (refused !== undefined) throw new PushError('REGISTRY', `${destination.name}: the Docker daemon at ${client.endpoint} did not load the image: ${refused}`, { status: res.status });
    // A daemon reads the whole archive before it can load it: an answer that came first is no load.
    if (!whole) {
      body.destroy();
      throw new PushError('REGISTRY', `${destination.name}: the Docker daemon at ${client.endpoint} answered before it had received the whole image; nothing is known to be loaded`);
    }
    await expectLoaded(client, destination, hex(config), options.signal);
    for (const tag of destination.repoTags) emit({ type: 'manifest-pushed', destination: destination.name, digest: root.descriptor.digest, reference: tag.slice(tag.lastIndexOf(':') + 1) });
    return { blobs: image.blobs.length, bytes: image.blobs.reduce((sum, b) => sum + b.size, 0) };
  } finally {
    await client.close();
  }
}

/**
 * The daemon's word that it loaded the image is checked against what it now holds: an image ID
 * is its config's digest, in Docker and podman alike. An Engine (or a proxy in front of one) that
 * answered without reading the archive has no such image under the tag.
 */
async function expectLoaded(client: EngineClient, destination: DaemonDestination, configHex: string, signal: AbortSignal | undefined): Promise<void> {
  const tag = destination.repoTags[0];
  if (tag === undefined) return;
  const res = await client.send('GET', `/images/${encodeURIComponent(tag)}/json`, signal ? { signal } : {});
  const text = Buffer.concat(await res.body.toArray()).toString('utf8');
  let id: unknown;
  try {
    id = (JSON.parse(text) as { Id?: unknown }).Id;
  } catch {
    // Not JSON: no image to speak of.
  }
  if (res.status !== 200 || typeof id !== 'string' || id.replace(/^sha256:/, '') !== configHex) {
    throw new PushError('REGISTRY', `${destination.name}: the Docker daemon at ${client.endpoint} said it loaded the image, but ${tag} ${res.status === 200 ? 'is another image there' : 'is not there'}`);
  }
}

/** The image manifest itself, or the daemon's own platform out of an index. */
async function imageForDaemon(client: EngineClient, destination: DaemonDestination, root: ManifestNode, signal: AbortSignal | undefined): Promise<ManifestNode> {
  if (root.children.length === 0) return root;
  const res = await client.send('GET', '/version', signal ? { signal } : {});
  const version = JSON.parse(Buffer.concat(await res.body.toArray()).toString('utf8')) as { Os?: string; Arch?: string };
  try {
    const selected = selectPlatforms(root, [{ os: version.Os ?? 'linux', architecture: version.Arch ?? 'amd64' }]);
    return selected.children.length === 0 ? selected : firstImage(selected);
  } catch (error) {
    throw new PushError('USAGE', `${destination.name}: ${(error as Error).message}`);
  }
}

function firstImage(node: ManifestNode): ManifestNode {
  return node.children.length === 0 ? node : firstImage(node.children[0]!);
}

function hex(blob: Descriptor): string {
  return blob.digest.slice(blob.digest.indexOf(':') + 1);
}

function loadError(answer: string): string | undefined {
  for (const line of answer.split('\n')) {
    try {
      const message = JSON.parse(line) as { error?: unknown; errorDetail?: { message?: unknown } };
      if (typeof message.error === 'string') return message.error;
      if (message.errorDetail !== undefined) return typeof message.errorDetail?.message === 'string' ? message.errorDetail.message : 'an error with no message';
    } catch {
      // Not a JSON line: progress text, ignored.
    }
  }
  return undefined;
}
