/**
 * Progress events, one per state change of a blob, manifest or tag. `destination` is
 * `registry/repository`; a retry names the registry host and the request (method and path). Events carry no URLs or headers, so they are safe to print as they are.
 */
export type PushEvent =
  | { type: 'blob-started'; destination: string; digest: string; size: number }
  | { type: 'blob-progress'; destination: string; digest: string; size: number; sent: number }
  | { type: 'blob-uploaded'; destination: string; digest: string; size: number }
  | { type: 'blob-skipped'; destination: string; digest: string; size: number }
  | { type: 'blob-mounted'; destination: string; digest: string; size: number; from: string }
  | { type: 'manifest-skipped'; destination: string; digest: string }
  | { type: 'manifest-pushed'; destination: string; digest: string; reference: string }
  /** An immutable tag the registry would not write again already names this manifest. */
  | { type: 'tag-kept'; destination: string; digest: string; reference: string }
  /** An uncompressed layer got its compressed form (`cached`: known from an earlier run, not compressed yet). */
  | { type: 'layer-compressed'; diffId: string; digest: string; size: number; compressedSize: number; cached: boolean }
  /** Something the registry's responses say, as its adapter reads them (Docker Hub's rate limit). */
  | { type: 'registry-info'; registry: string; info: Record<string, string> }
  /** A request or a blob transfer failed transiently and is tried again after `waitMs`. */
  | { type: 'retry'; registry: string; request: string; reason: string; attempt: number; attempts: number; waitMs: number };

export type PushEventListener = (event: PushEvent) => void;
