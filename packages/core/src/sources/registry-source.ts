import type { LookupFunction } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { RegistryAdapter } from '../adapter.js';
import { repositoryScope } from '../registry/auth.js';
import { MANIFEST_ACCEPT, isManifestMediaType, type Descriptor } from '../descriptor.js';
import { isValidDigest, isValidTag, shown } from '../decode/index.js';
import { digestOf } from '../digest.js';
import { isPushError, PushError } from '../errors.js';
import type { ImageSource } from './image-source.js';
import { MAX_MANIFEST_BYTES } from './oci-layout.js';
import { formatReference, type ImageReference } from '../reference.js';
import { RegistryPool } from '../registry/registry-pool.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { registryError } from '../registry/registry-error.js';
import type { TlsSettings } from '../registry/tls-settings.js';
import { readBody, type TransportResponse } from '../registry/transport.js';

/**
 * `docker://REF`: an image already in a registry, copied to the destinations (promotion from
 * staging to production). Manifests are fetched and checked against their digests; blobs stream
 * from the source straight into the uploads, never to disk and never whole in memory, and are
 * verified by the uploader like any other source. Blob GETs that redirect to a CDN or object
 * store are followed without the registry's Authorization (Transport does that).
 */
export interface RegistrySourceOptions {
  adapters: readonly RegistryAdapter[];
  tls?: TlsSettings;
  plainHttpHosts?: readonly string[];
  /** Name resolution for the source registry's connections, as for the destinations (`--resolve`). */
  lookup?: LookupFunction;
  /** Told every token fetched from the source registry's token service (see PushOptions.onSecret). */
  onSecret?: (secret: string) => void;
  /** Stops every request to the source registry, those of blobs being read included (SIGINT). */
  signal?: AbortSignal;
  /**
   * The run's clients, when many images are read (a plan, a sync): connections, tokens,
   * "slow down" pauses and the registry's pull allowance shared. A client of its own otherwise.
   */
  pool?: RegistryPool;
}

export interface RegistrySource extends ImageSource {
  close(): Promise<void>;
}

export async function openRegistrySource(reference: ImageReference, options: RegistrySourceOptions): Promise<RegistrySource> {
  if (options.pool) return pullImage(options.pool, reference, options.signal);
  // The source's reads stop with the push's signal; so does finding the credential for them.
  const own = new RegistryPool(options);
  try {
    return await pullImage(own, reference, options.signal, own);
  } catch (error) {
    await own.close();
    throw error;
  }
}

/** The image `reference` names, read through `pool`'s client for its registry; `own` is closed with it. */
export async function pullImage(pool: RegistryPool, reference: ImageReference, signal: AbortSignal | undefined, own?: RegistryPool): Promise<RegistrySource> {
  const scopes = [repositoryScope(reference.repository, ['pull'])];
  const description = `docker://${formatReference(reference)}`;
  const client = pool.client(reference.registry);
  const target = reference.digest ?? reference.tag ?? 'latest';
  // The manifest GET is what registries count as a pull (Docker Hub); its blobs are not.
  pool.allowance(reference.registry).take();
  const { bytes, mediaType } = await fetchManifest(client, reference.repository, target, scopes, description, signal, MAX_MANIFEST_BYTES);
  const root: Descriptor = { mediaType, digest: digestOf(bytes), size: bytes.length };
  if (reference.digest !== undefined && root.digest !== reference.digest) {
    throw new PushError('DIGEST_MISMATCH', `${description}: the registry served a manifest hashing to ${root.digest}`);
  }
  return new PulledImage(client, own, reference, root, bytes, scopes, description, signal);
}

/** The manifest `reference` names, read up to `max` bytes (a child's are its descriptor's size: more would not hash to its digest). */
async function fetchManifest(client: RegistryClient, repository: string, reference: string, scopes: string[], description: string, signal: AbortSignal | undefined, max: number): Promise<{ bytes: Buffer; mediaType: string }> {
  // It goes into the URL: a digest from an index or a list of referrers, checked where it entered, and here once more.
  if (!isValidTag(reference) && !isValidDigest(reference)) throw new PushError('INVALID_SOURCE', `${description}: "${shown(reference)}" is neither a tag nor a digest`);
  const res = await client.send({ method: 'GET', target: `/v2/${repository}/manifests/${reference}`, scopes, headers: { accept: MANIFEST_ACCEPT }, ...(signal ? { signal } : {}) });
  if (res.status !== 200) throw await registryError(res, `${description}: fetching manifest ${reference}`);
  const bytes = await readBody(res.body, max, `${description}: manifest ${reference}`);
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!isManifestMediaType(mediaType)) throw new PushError('UNSUPPORTED', `${description}: manifest ${reference} has unsupported media type "${mediaType}"`);
  return { bytes, mediaType };
}

class PulledImage implements RegistrySource {
  constructor(
    private readonly client: RegistryClient,
    /** The pool opened for this image alone, closed with it; a run's shared pool is the run's to close. */
    private readonly ownPool: RegistryPool | undefined,
    private readonly reference: ImageReference,
    readonly root: Descriptor,
    /** The root's bytes, fetched by tag to learn its digest: not fetched again by digest. */
    private readonly rootBytes: Buffer,
    private readonly scopes: string[],
    readonly description: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get origin(): { registry: string; repository: string } {
    return { registry: this.reference.registry, repository: this.reference.repository };
  }

  async readManifest(descriptor: Descriptor): Promise<Buffer> {
    if (descriptor.digest === this.root.digest) return this.rootBytes;
    if (descriptor.size > MAX_MANIFEST_BYTES) throw new PushError('INVALID_SOURCE', `${this.description}: manifest ${descriptor.digest} claims ${descriptor.size} bytes`);
    const { bytes } = await fetchManifest(this.client, this.reference.repository, descriptor.digest, this.scopes, this.description, this.signal, descriptor.size);
    if (digestOf(bytes, descriptor.digest) !== descriptor.digest) {
      throw new PushError('DIGEST_MISMATCH', `${this.description}: manifest ${descriptor.digest} came back with other bytes`);
    }
    return bytes;
  }

  /** Blobs are checked as they stream (by digest and size), not fetched twice. */
  async checkBlob(): Promise<void> {}

  openBlob(descriptor: Descriptor): Readable {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    // The GET ends with the stream: when the reader drops it (its upload failed), and on SIGINT.
    const dropped = new AbortController();
    out.once('close', () => dropped.abort());
    const signal = this.signal ? AbortSignal.any([this.signal, dropped.signal]) : dropped.signal;
    this.client
      .send({ method: 'GET', target: `/v2/${this.reference.repository}/blobs/${descriptor.digest}`, scopes: this.scopes, signal })
      .then(async (res: TransportResponse) => {
        if (res.status !== 200) throw await registryError(res, `${this.description}: fetching blob ${descriptor.digest}`);
        // The bytes go into another registry's upload: a failure here must name this registry, not that one.
        res.body.on('error', (error) => out.destroy(out.destroyed || isPushError(error) ? error : new PushError('NETWORK', `${this.description}: reading blob ${descriptor.digest} failed (${(error as NodeJS.ErrnoException).code ?? error.message})`, { cause: error })));
        res.body.pipe(out);
      })
      .catch((error: unknown) => out.destroy(error as Error));
    return out;
  }

  async close(): Promise<void> {
    await this.ownPool?.close();
  }
}
