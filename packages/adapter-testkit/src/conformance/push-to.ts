import { memoryBlobLocations, parseReference, pushImage, type BlobLocations, type ImageSource, type PushEvent, type PushOptions, type PushResult } from '@hoist/core';
import type { AccessLogEntry } from '../registry/access-log.js';
import type { EndToEnd } from './setup.js';

export interface PushToOptions {
  adapter?: EndToEnd['adapter'];
  /** Shared between pushes that should know where each other's blobs went (mounts). */
  blobLocations?: BlobLocations;
  events?: PushEvent[];
  signal?: AbortSignal;
  lookup?: PushOptions['lookup'];
  /** 0 for a refusal that must surface at once. */
  retries?: number;
}

/** Pushes `image` to `repository:v1` of the setup's registry through the real engine. */
export function pushTo(e2e: EndToEnd, image: ImageSource, repository: string, options: PushToOptions = {}): Promise<PushResult> {
  return pushImage({
    ...e2e.pushOptions,
    source: image,
    destinations: [parseReference(`${e2e.registry}/${repository}:v1`)],
    adapters: [options.adapter ?? e2e.adapter],
    blobLocations: options.blobLocations ?? memoryBlobLocations(),
    ...(options.events ? { onEvent: (event: PushEvent) => options.events!.push(event) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.retries !== undefined ? { retryPolicy: { retries: options.retries } } : {}),
  });
}

/** What the registry served under `/v2/<repository>/` (each group pushes to a repository of its own). */
export async function requestsTo(e2e: EndToEnd, repository: string): Promise<AccessLogEntry[]> {
  return (await e2e.accessLog()).filter((entry) => entry.uri.startsWith(`/v2/${repository}/`));
}

/** The blob upload sessions among `entries`, each as the requests made to it (PATCHes, the closing PUT). */
export function uploadSessions(entries: AccessLogEntry[]): AccessLogEntry[][] {
  const sessions = new Map<string, AccessLogEntry[]>();
  for (const entry of entries) {
    const session = /\/blobs\/uploads\/([^/?]+)/.exec(entry.uri)?.[1];
    if (session) sessions.set(session, [...(sessions.get(session) ?? []), entry]);
  }
  return [...sessions.values()];
}
