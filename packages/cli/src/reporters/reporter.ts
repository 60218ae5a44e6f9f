import type { DigestRewrite, PushEvent, PushResult } from '@hoist/core';
import type { Failure } from '../describe-failure.js';
import { formatBytes, plural, shortDigest, shortDigests } from '../format.js';

type RetryEvent = Extract<PushEvent, { type: 'retry' }>;
type CompressedEvent = Extract<PushEvent, { type: 'layer-compressed' }>;
type ImageStartedEvent = Extract<PushEvent, { type: 'image-started' }>;
type ReadProgressEvent = Extract<PushEvent, { type: 'read-progress' }>;

/** Turns engine events and the outcome into what a person or a pipeline reads. */
export interface Reporter {
  event(event: PushEvent): void;
  done(result: PushResult): void;
  failed(message: string, code: string, exitCode: number): void;
  /** The end of a `--plan` push or a sync (`label`): each image's outcome, in order. */
  planDone(outcomes: PlanOutcome[], label: 'plan' | 'sync'): void;
}

/** One image of a plan or a sync: pushed, failed, or (a sync's) already at the destination. */
export type PlanOutcome =
  | { name: string; result: PushResult; failure?: undefined; unchanged?: undefined }
  | { name: string; failure: Failure; result?: undefined; unchanged?: undefined }
  | { name: string; unchanged: string; result?: undefined; failure?: undefined };

/** The closing line: how many images were pushed, were there already, failed. */
export function planSummaryLine(outcomes: PlanOutcome[], label: 'plan' | 'sync'): string {
  const count = (kind: 'result' | 'failure' | 'unchanged') => outcomes.filter((o) => o[kind] !== undefined).length;
  const [pushed, failed, unchanged] = [count('result'), count('failure'), count('unchanged')];
  const verb = label === 'sync' ? 'copied' : 'pushed';
  return `${label}: ${pushed} of ${plural(outcomes.length, 'image')} ${verb}${unchanged > 0 ? `, ${unchanged} already there` : ''}${failed > 0 ? `, ${failed} failed` : ''}`;
}

/** Every reference the push wrote, `registry/repository:tag`. */
export function pushedReferences(result: PushResult): string[] {
  return result.destinations.flatMap((d) =>
    d.tags.length > 0 ? d.tags.map((tag) => `${d.name}:${tag}`) : [`${d.name}@${result.digest}`],
  );
}

export function summaryLines(result: PushResult): string[] {
  const lines = result.destinations.map((d) => {
    const tags = d.tags.length > 0 ? `tags ${d.tags.join(', ')}` : 'by digest only';
    return `${d.name}: ${d.blobsUploaded} uploaded (${formatBytes(d.bytesUploaded)}), ${d.blobsMounted} mounted, ${d.blobsSkipped} already present; ${tags}`;
  });
  const note = result.digest === result.sourceDigest ? [] : [`(the source's digest was ${shortDigest(result.sourceDigest)}: ${rewritten(result.rewrites)} on the way, so the pushed manifest differs)`];
  return [...lines, ...note, `digest: ${result.digest}`];
}

const REWRITES: Record<DigestRewrite, string> = { platforms: 'platforms were selected', compression: 'layers were compressed', annotations: 'annotations were set' };

/** "layers were compressed and annotations were set": only what really changed the digest. */
function rewritten(rewrites: readonly DigestRewrite[]): string {
  const said = rewrites.map((r) => REWRITES[r]);
  return said.length > 1 ? `${said.slice(0, -1).join(', ')} and ${said.at(-1)}` : (said[0] ?? 'the image was changed');
}

export function retryLine(event: RetryEvent, note = ''): string {
  return `${event.registry}: retrying ${shortDigests(event.request)} after ${shortDigests(event.reason)} (attempt ${event.attempt} of ${event.attempts} failed; waiting ${(event.waitMs / 1000).toFixed(1)} s${note})`;
}

/** A registry's retries within this long of its last line are counted, not printed. */
const RETRY_FOLD_MS = 30_000;

/**
 * Retries of one registry fold into one line: a registry that is down fails every request in
 * flight, each blob's upload in words of its own (ECONNRESET here, a socket closed there: ten
 * lines for one registry gone), and the log needs to hear it once. 30 s later a retry prints a
 * line again with the count it folded; `flush` gives the count still owed at the end, with the
 * last reason.
 */
export function retryFolder(now: () => number = () => Date.now()): { line(event: RetryEvent): string | undefined; flush(): string[] } {
  const registries = new Map<string, { reason: string; shownAt: number; folded: number }>();
  const more = (count: number) => plural(count, 'more retry', 'more retries');
  return {
    line(event) {
      const last = registries.get(event.registry);
      if (last && now() - last.shownAt < RETRY_FOLD_MS) {
        last.folded++;
        last.reason = event.reason;
        return undefined;
      }
      registries.set(event.registry, { reason: event.reason, shownAt: now(), folded: 0 });
      const since = last && last.folded > 0 ? `; ${more(last.folded)} since the last line` : '';
      return retryLine(event, since);
    },
    flush() {
      const lines = [...registries].filter(([, r]) => r.folded > 0).map(([registry, r]) => `${registry}: ${more(r.folded)} after ${shortDigests(r.reason)}`);
      registries.clear();
      return lines;
    },
  };
}

export function compressedLine(event: CompressedEvent): string {
  const how = event.cached ? 'known from an earlier run' : `${formatBytes(event.size)} -> ${formatBytes(event.compressedSize)}`;
  return `layer ${event.diffId.slice(7, 19)} compressed to ${event.digest.slice(7, 19)} (${how})`;
}

/** The line a push starts with, per image: `pushing SOURCE (2 layers, 200.0 MiB) to reg/app:1, reg/app:latest`. */
export function startLine(event: ImageStartedEvent): string {
  const places = event.destinations.flatMap((d) => (d.tags.length > 0 ? d.tags.map((tag) => `${d.name}:${tag}`) : [d.name]));
  return `pushing ${event.source} (${plural(event.layers, 'layer')}, ${formatBytes(event.bytes)}) to ${places.join(', ')}`;
}

/** A daemon's export begins or ends: it comes before the image's start line, and can take minutes. */
export function exportLine(event: ReadProgressEvent): string | undefined {
  if (event.phase !== 'export') return undefined;
  if (event.done) return `exported ${event.source} (${formatBytes(event.bytes)})`;
  if (event.bytes > 0) return undefined;
  return `exporting ${event.source} from the daemon${event.total === undefined ? '' : ` (about ${formatBytes(event.total)})`}`;
}

/** A failure as people read it, `hoist: error: [IMAGE: ]MESSAGE`, its digests short. */
export function errorLine(message: string, image?: string): string {
  return `hoist: error: ${image === undefined ? '' : `${image}: `}${shortDigests(message)}`;
}
