import type { Readable } from 'node:stream';
import type { CompressionSettings } from '../compression/layer-compressor.js';
import type { Descriptor } from '../descriptor.js';

/**
 * Where an image comes from. The engine asks for manifests as bytes (small, verified on read)
 * and for blobs as streams (large; verified by the uploader while they stream).
 */
export interface ImageSource {
  /** For messages, e.g. `oci:/work/layout:v1`. */
  readonly description: string;
  /** The manifest or index to push. */
  readonly root: Descriptor;
  /**
   * The registry repository the image already sits in, for a registry source: a destination in
   * the same registry mounts its blobs from there instead of copying them.
   */
  readonly origin?: { registry: string; repository: string };
  /** The exact bytes of a manifest or index; fails when they do not match the descriptor. */
  readManifest(descriptor: Descriptor): Promise<Buffer>;
  /** Fails when the blob is absent or has the wrong size: checked before anything is sent. */
  checkBlob(descriptor: Descriptor): Promise<void>;
  /** A fresh stream of the blob's bytes; called again for a retry. */
  openBlob(descriptor: Descriptor): Readable;
  /**
   * True for a blob this process wrote and hashed itself moments ago (a layer compressed on the
   * way): its upload is not hashed a second time. The registry still checks the digest of what
   * arrives, and refuses a blob that does not match.
   */
  madeHere?(descriptor: Descriptor): boolean;
  /**
   * The gzip form of an uncompressed layer (named by its diffID), when the source made it with
   * these settings while reading (a daemon's export is compressed as it streams in), so that it
   * is not compressed a second time.
   */
  compressedLayer?(layer: Descriptor, settings: CompressionSettings): { digest: string; size: number; open(): Readable } | undefined;
  /** Releases files the source holds open or made (a decompressed archive). */
  close?(): Promise<void>;
}

/**
 * A source as `openSource` gives it: `await using source = await openSource(...)` closes it at
 * the end of the block (a gzip'd archive's temporary file, a daemon's spooled export), as
 * `source.close()` in a `finally` would.
 */
export type OpenedSource = ImageSource & AsyncDisposable;

export function disposable<T extends ImageSource>(source: T): T & AsyncDisposable {
  return Object.assign(source, { [Symbol.asyncDispose]: async () => source.close?.() });
}
