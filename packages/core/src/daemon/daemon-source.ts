import { rm } from 'node:fs/promises';
import { DEFAULT_COMPRESSION, type CompressionSettings } from '../compression/layer-compressor.js';
import { openDockerArchive } from '../sources/docker-archive.js';
import { blobName } from '../sources/oci-layout.js';
import { isPushError, PushError } from '../errors.js';
import type { ImageSource } from '../sources/image-source.js';
import { decodeAs, decodeDaemonImage } from '../decode/index.js';
import type { PushEventListener } from '../push/events.js';
import { ReadProgress } from '../read-progress.js';
import { parseReference } from '../reference.js';
import { makeScratch } from '../scratch-dirs.js';
import { engineClient, type EngineClient } from './engine-client.js';
import { spoolExport } from './export-spool.js';
import { plural } from '../plural.js';

/**
 * `docker-daemon:NAME[:TAG|@DIGEST]` (skopeo's spelling), or `docker-daemon:sha256:<id>`: an
 * image in a Docker daemon, read through the Engine API (`docker save`'s own call), not the
 * docker CLI. The export streams in and its layers are compressed as they arrive
 * (export-spool.ts), so only compressed layers are ever written to disk; the archive is then
 * read as any `docker save` is, legacy or OCI-shaped (Docker 25+, the containerd store, whose
 * already-compressed blobs go up as they are).
 */
export const DAEMON_PREFIX = 'docker-daemon:';

export interface DaemonSourceOptions {
  /** Where DOCKER_HOST and friends are read; the process's by default. */
  env?: NodeJS.ProcessEnv;
  /** How layers are compressed as they stream in: the push's own settings. */
  compression?: CompressionSettings;
  signal?: AbortSignal;
  /** How large a gzip'd archive source may grow decompressed (file-store.ts); not used for a daemon's export. */
  maxDecompressed?: number;
  /** Told how the export moves (`read-progress`), which takes minutes for a large image. */
  onEvent?: PushEventListener;
}

const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

export async function openDaemonSource(spec: string, options: DaemonSourceOptions = {}): Promise<ImageSource> {
  const name = spec.slice(DAEMON_PREFIX.length);
  if (!IMAGE_ID.test(name)) parseReference(name);
  const client = engineClient(options.env);
  const fail = (why: string) => new PushError('INVALID_SOURCE', `${spec}: ${why}`);
  const scratch = await makeScratch('daemon');
  try {
    const { id, size } = await describeImage(client, name, spec, options.signal);
    const compression = options.compression ?? DEFAULT_COMPRESSION;
    const progress = new ReadProgress(options.onEvent ?? (() => {}), spec, 'export', size);
    progress.start();
    const exported = await client.send('GET', `/images/${encodeURIComponent(id)}/get`, options.signal ? { signal: options.signal } : {});
    if (exported.status !== 200) throw fail(`the daemon at ${client.endpoint} refused the export: ${await exported.message()}`);
    const broken = (why: string) => fail(`the Docker Engine at ${client.endpoint} sent a broken export: ${why}`);
    const spool = await spoolExport(fromEngine(exported.body, client.endpoint, spec, progress, options.signal), scratch, compression, broken, options.signal);
    progress.end();
    const image = await openDockerArchive(spool.store, undefined, spec, fail);
    return {
      description: spec,
      root: image.root,
      readManifest: (d) => image.readManifest(d),
      checkBlob: (d) => image.checkBlob(d),
      openBlob: (d) => image.openBlob(d),
      // A blob the containerd store exported compressed was hashed as it was spooled, under its own name.
      madeHere: (d) => spool.digestOf(blobName(d)) === d.digest,
      compressedLayer: (layer, settings) => (sameSettings(settings, compression) ? spool.compressed(layer.digest) : undefined),
      close: () => rm(scratch, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  } finally {
    await client.close();
  }
}

/** The image's ID, which pins the export to what was asked for even if the tag moves meanwhile, and its size. */
async function describeImage(client: EngineClient, name: string, spec: string, signal: AbortSignal | undefined): Promise<{ id: string; size?: number }> {
  const res = await client.send('GET', `/images/${encodeURIComponent(name)}/json`, signal ? { signal } : {});
  if (res.status === 404) {
    res.body.resume();
    throw new PushError('INVALID_SOURCE', `${spec}: no such image in the Docker daemon at ${client.endpoint} (docker images lists what it holds)`);
  }
  if (res.status !== 200) throw new PushError('INVALID_SOURCE', `${spec}: the daemon at ${client.endpoint} answered ${res.status}: ${await res.message()}`);
  const bytes = Buffer.concat(await res.body.toArray());
  return decodeAs('INVALID_SOURCE', spec, () => decodeDaemonImage(bytes, `the description of the image by the daemon at ${client.endpoint}`));
}

function sameSettings(a: CompressionSettings, b: CompressionSettings): boolean {
  return a.format === b.format && a.level === b.level;
}

/** The export's bytes; a connection the daemon drops part way fails with its name, not undici's words alone. */
async function* fromEngine(body: AsyncIterable<Buffer>, endpoint: string, spec: string, progress: ReadProgress, signal: AbortSignal | undefined): AsyncIterable<Buffer> {
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.length;
      progress.add(chunk.length);
      yield chunk;
    }
  } catch (error) {
    if (signal?.aborted || isPushError(error)) throw error;
    const why = (error as Error).message;
    throw new PushError('INVALID_SOURCE', `${spec}: the Docker Engine at ${endpoint} broke off the export after ${plural(received, 'byte')} (${why}): is the daemon still running?`, { cause: error });
  }
}
