/**
 * Progress events, one per state change of a blob, manifest or tag. `destination` is
 * `registry/repository`. Events carry no URLs or headers, so they are safe to print as they are.
 */
export type PushEvent =
  | { type: 'blob-started'; destination: string; digest: string; size: number }
  | { type: 'blob-progress'; destination: string; digest: string; size: number; sent: number }
  | { type: 'blob-uploaded'; destination: string; digest: string; size: number }
  | { type: 'blob-skipped'; destination: string; digest: string; size: number }
  | { type: 'blob-mounted'; destination: string; digest: string; size: number; from: string }
  | { type: 'manifest-skipped'; destination: string; digest: string }
  | { type: 'manifest-pushed'; destination: string; digest: string; reference: string };

export type PushEventListener = (event: PushEvent) => void;
