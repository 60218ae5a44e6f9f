/**
 * Progress events, one per state change of a blob, manifest or tag. `destination` is
 * `registry/repository`; a retry names the registry host and the request (method and path). Events carry no URLs or headers, so they are safe to print as they are.
 */
export type PushEvent =
  /**
   * Work on one image begins (a plan's images each have one), before any layer is compressed or
   * sent: its source, its layers and their size as the source holds them (uncompressed for those
   * compressed on the way), and each destination (`registry/repository`, `oci:DIR`,
   * `docker-daemon:NAME`) with the tags or refs it gets.
   */
  | { type: 'image-started'; source: string; layers: number; bytes: number; destinations: { name: string; tags: string[] }[] }
  /**
   * A long local step reads the source: a Docker daemon's export (`total`: the daemon's own size
   * of the image, an estimate of the export's) or layers being compressed (`total`: their size).
   * Sent when the step starts (`bytes` 0), at most every half second while it runs, and when it
   * ends (`done`), so that a log can show it moving.
   */
  | { type: 'read-progress'; source: string; phase: 'export' | 'compress'; bytes: number; total?: number; done: boolean }
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
