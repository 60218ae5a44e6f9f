import { pipeline, type Readable } from 'node:stream';
import { DEFAULT_CHUNK_SIZE, type RegistryCapabilities } from '../adapter.js';
import { repositoryScope } from '../registry/auth.js';
import type { Descriptor } from '../descriptor.js';
import { VerifyingStream } from '../digest.js';
import { isPushError, PushError } from '../errors.js';
import { uploadLocation, withDigest } from '../registry/location.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { registryError } from '../registry/registry-error.js';
import type { BlobBytes } from './shared-read.js';
import { StallGuard } from '../registry/stall-guard.js';

/**
 * The blob half of the distribution spec's push workflow: existence checks, cross-repository
 * mounts, and monolithic or chunked uploads of bytes verified as they stream.
 */
export interface RepositoryTarget {
  client: RegistryClient;
  repository: string;
  signal?: AbortSignal;
}

/** A fresh stream of the blob's bytes, for each request that sends them. */
export type OpenBlob = () => BlobBytes;

/** Chunk size when an adapter asks for chunked uploads without naming one. */

export function pushScope(target: RepositoryTarget): string[] {
  return [repositoryScope(target.repository, ['pull', 'push'])];
}

function blobPath(target: RepositoryTarget, digest: string): string {
  return `/v2/${target.repository}/blobs/${digest}`;
}

/** `action` names the request in a failure: the checks before work ask for a blob that is no part of the image. */
export async function blobExists(target: RepositoryTarget, blob: Pick<Descriptor, 'digest'>, action = `checking blob ${blob.digest} in ${target.repository}`): Promise<boolean> {
  const res = await target.client.send({
    method: 'HEAD',
    target: blobPath(target, blob.digest),
    scopes: pushScope(target),
    signal: target.signal,
  });
  await res.body.dump();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await registryError(res, action);
}

/**
 * Asks the registry to mount a blob from another repository. Returns true when mounted; when the
 * registry declines it may open an upload session instead, which is returned for reuse. Any
 * failure is a refusal: the caller falls back to a normal upload.
 */
export async function mountBlob(target: RepositoryTarget, blob: Descriptor, from: string): Promise<{ mounted: true } | { mounted: false; session?: URL }> {
  const query = `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`;
  try {
    const res = await target.client.send({
      method: 'POST',
      target: `/v2/${target.repository}/blobs/uploads/${query}`,
      scopes: [...pushScope(target), repositoryScope(from, ['pull'])],
      headers: { 'content-length': '0' },
      signal: target.signal,
    });
    await res.body.dump();
    if (res.status === 201) return { mounted: true };
    if (res.status === 202) return { mounted: false, session: uploadLocation(res) };
    return { mounted: false };
  } catch (error) {
    if (error instanceof PushError && error.code === 'ABORTED') throw error;
    return { mounted: false };
  }
}

export interface UploadSession {
  location: URL;
  /** `OCI-Chunk-Min-Length`: the smallest PATCH the registry accepts, except the last. */
  minChunk: number;
  /**
   * Bytes the registry has acknowledged. A chunked upload moves this (and `location`) forward
   * with every accepted PATCH, so a failed upload knows where it stood.
   */
  offset?: number;
}

export async function startUpload(target: RepositoryTarget): Promise<UploadSession> {
  const res = await target.client.send({
    method: 'POST',
    target: `/v2/${target.repository}/blobs/uploads/`,
    scopes: pushScope(target),
    headers: { 'content-length': '0' },
    signal: target.signal,
  });
  if (res.status !== 202) throw await registryError(res, `starting an upload to ${target.repository}`);
  await res.body.dump();
  const minChunk = Number(res.headers['oci-chunk-min-length'] ?? 0);
  return { location: uploadLocation(res), minChunk: Number.isFinite(minChunk) ? minChunk : 0 };
}

export interface UploadOptions {
  capabilities: RegistryCapabilities;
  /** An upload body that moves no bytes for this long is aborted (and retried by the caller). */
  stallMs: number;
  onBytes?: (sent: number) => void;
}

export async function uploadBlob(
  target: RepositoryTarget,
  blob: Descriptor,
  open: OpenBlob,
  session: UploadSession,
  options: UploadOptions,
): Promise<void> {
  const opened: Readable[] = [];
  // pipeline, not pipe: an error anywhere (a corrupt byte, an unreadable file, a stall) must
  // destroy the body undici is sending, so the request fails instead of hanging. Bytes already
  // verified upstream (made here, or a read shared between registries) only have their size checked.
  const verified = (): Readable => {
    const { stream, verified: checked } = open();
    opened.push(stream);
    return pipeline(
      stream,
      new VerifyingStream(blob, options.onBytes, !checked),
      new StallGuard(options.stallMs, `upload of blob ${blob.digest} to ${target.repository}`),
      () => {},
    );
  };
  try {
    if (options.capabilities.upload === 'chunked') {
      await uploadChunked(target, blob, verified(), session, options.capabilities);
    } else {
      await uploadMonolithic(target, blob, verified, session);
    }
  } finally {
    // A request that ended early (a refusal, a re-authentication) may leave its body unread; a
    // read shared with other registries must not wait for it.
    for (const stream of opened) stream.destroy();
  }
}

async function uploadMonolithic(target: RepositoryTarget, blob: Descriptor, body: () => Readable, session: UploadSession): Promise<void> {
  const res = await target.client.send({
    method: 'PUT',
    target: withDigest(session.location, blob.digest),
    scopes: pushScope(target),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
    body,
    signal: target.signal,
    retry: false,
  });
  await expectCreated(res, target, blob);
}

async function uploadChunked(
  target: RepositoryTarget,
  blob: Descriptor,
  stream: Readable,
  session: UploadSession,
  capabilities: RegistryCapabilities,
): Promise<void> {
  const chunkSize = chunkSizeFor(capabilities, session.minChunk);
  let location = session.location;
  let offset = session.offset ?? 0;
  // A resumed upload still reads (and so verifies) the blob from its first byte, but sends only
  // what the registry does not hold yet.
  for await (const chunk of chunksOf(stream, chunkSize, offset)) {
    const end = offset + chunk.length - 1;
    const res = await target.client.send({
      method: 'PATCH',
      target: location,
      scopes: pushScope(target),
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(chunk.length),
        // The distribution spec's form, without the `bytes ` prefix of RFC 9110.
        'content-range': `${offset}-${end}`,
      },
      body: () => chunk,
      signal: target.signal,
      retry: false,
    });
    if (res.status !== 202) throw await registryError(res, `uploading blob ${blob.digest} to ${target.repository}`);
    await res.body.dump();
    location = uploadLocation(res);
    offset = end + 1;
    session.location = location;
    session.offset = offset;
  }
  const res = await target.client.send({
    method: 'PUT',
    target: withDigest(location, blob.digest),
    scopes: pushScope(target),
    headers: { 'content-length': '0' },
    signal: target.signal,
    retry: false,
  });
  await expectCreated(res, target, blob);
}

/**
 * Whether an interrupted chunked upload can go on (distribution spec, "Resuming an upload"): GET
 * on the session answers 204 with `Range: 0-<last byte held>` and a fresh Location. It is resumed
 * only when the registry holds exactly what it acknowledged; a session lost, or holding part of
 * a failed PATCH, starts over. (Distribution says `0-0` for an empty upload as well as for one
 * byte, so `0-0` with nothing acknowledged counts as empty.)
 */
export async function resumableSession(target: RepositoryTarget, session: UploadSession): Promise<UploadSession | undefined> {
  const acknowledged = session.offset ?? 0;
  try {
    const res = await target.client.send({ method: 'GET', target: session.location, scopes: pushScope(target), signal: target.signal, retry: false });
    await res.body.dump();
    const range = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers['range'] ?? ''));
    if (res.status !== 204 || !range) return undefined;
    const held = Number(range[1]) + 1;
    if (held !== acknowledged && !(acknowledged === 0 && held === 1)) return undefined;
    return { location: uploadLocation(res), minChunk: session.minChunk, offset: acknowledged };
  } catch (error) {
    if (error instanceof PushError && error.code === 'ABORTED') throw error;
    return undefined;
  }
}

/**
 * Best-effort DELETE of an upload session that will not be finished, so the registry can free
 * it now rather than at its next purge. Failures are ignored: there is nothing left to save.
 */
export async function cancelUpload(target: RepositoryTarget, location: URL, signal: AbortSignal): Promise<void> {
  try {
    const res = await target.client.send({ method: 'DELETE', target: location, scopes: pushScope(target), signal, retry: false });
    await res.body.dump();
  } catch (error) {
    // The registry is unreachable or the session already gone; but the run's time limit, named
    // for this DELETE and where it stood, is the run's failure.
    if (signal.aborted && isPushError(error) && error.code === 'TIMEOUT') throw error;
  }
}

function chunkSizeFor(capabilities: RegistryCapabilities, minChunk: number): number {
  const preferred = Math.max(capabilities.chunkSize ?? DEFAULT_CHUNK_SIZE, minChunk);
  if (capabilities.maxChunkSize !== undefined && preferred > capabilities.maxChunkSize) {
    if (minChunk > capabilities.maxChunkSize) {
      throw new PushError('UNSUPPORTED', `registry wants chunks of at least ${minChunk} bytes, above this adapter's limit of ${capabilities.maxChunkSize}`);
    }
    return capabilities.maxChunkSize;
  }
  return preferred;
}

/** Regroups a stream, less its first `skip` bytes, into buffers of `size` bytes (the last may be shorter). */
async function* chunksOf(stream: Readable, size: number, skip: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  let toSkip = skip;
  for await (const piece of stream) {
    let buf = piece as Buffer;
    if (toSkip > 0) {
      const dropped = Math.min(toSkip, buf.length);
      buf = buf.subarray(dropped);
      toSkip -= dropped;
    }
    while (length + buf.length >= size) {
      const take = size - length;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts);
      buf = buf.subarray(take);
      parts = [];
      length = 0;
    }
    if (buf.length > 0) {
      parts.push(buf);
      length += buf.length;
    }
  }
  if (length > 0) yield Buffer.concat(parts);
}

async function expectCreated(res: Awaited<ReturnType<RegistryClient['send']>>, target: RepositoryTarget, blob: Descriptor): Promise<void> {
  if (res.status !== 201) throw await registryError(res, `uploading blob ${blob.digest} to ${target.repository}`);
  await res.body.dump();
  const landed = res.headers['docker-content-digest'];
  if (typeof landed === 'string' && landed !== blob.digest) {
    throw new PushError('DIGEST_INVALID', `registry stored blob ${blob.digest} as ${landed}`);
  }
}
