import type { DigestRewrite, PushEvent, PushResult } from '@hoist/core';
import type { Failure } from '../describe-failure.js';
import { formatBytes } from '../format.js';

type RetryEvent = Extract<PushEvent, { type: 'retry' }>;
type CompressedEvent = Extract<PushEvent, { type: 'layer-compressed' }>;

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
  return `${label}: ${pushed} of ${outcomes.length} images ${verb}${unchanged > 0 ? `, ${unchanged} already there` : ''}${failed > 0 ? `, ${failed} failed` : ''}`;
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
  const note = result.digest === result.sourceDigest ? [] : [`(the source's digest was ${result.sourceDigest}: ${rewritten(result.rewrites)} on the way, so the pushed manifest differs)`];
  return [...lines, ...note, `digest: ${result.digest}`];
}

const REWRITES: Record<DigestRewrite, string> = { platforms: 'platforms were selected', compression: 'layers were compressed', annotations: 'annotations were set' };

/** "layers were compressed and annotations were set": only what really changed the digest. */
function rewritten(rewrites: readonly DigestRewrite[]): string {
  const said = rewrites.map((r) => REWRITES[r]);
  return said.length > 1 ? `${said.slice(0, -1).join(', ')} and ${said.at(-1)}` : (said[0] ?? 'the image was changed');
}

export function retryLine(event: RetryEvent, note = ''): string {
  return `${event.registry}: retrying ${event.request} after ${event.reason} (attempt ${event.attempt} of ${event.attempts} failed; waiting ${(event.waitMs / 1000).toFixed(1)} s${note})`;
}

/** A registry's retries for the same reason within this long of its last line are counted, not printed. */
const RETRY_FOLD_MS = 30_000;

/**
 * Retries of one registry fold into one line: a registry that is down fails every request in
 * flight the same way (fifteen lines for one refused port), and the log needs to hear it once.
 * A new reason, or the same one 30 s later, prints a line again with the count it folded; `flush`
 * gives the lines still owed at the end.
 */
export function retryFolder(now: () => number = () => Date.now()): { line(event: RetryEvent): string | undefined; flush(): string[] } {
  const registries = new Map<string, { reason: string; shownAt: number; folded: number }>();
  const folded = (registry: string, count: number, reason: string) => `${registry}: ${count} more ${count === 1 ? 'retry' : 'retries'} after ${reason}`;
  return {
    line(event) {
      const last = registries.get(event.registry);
      if (last && last.reason === event.reason && now() - last.shownAt < RETRY_FOLD_MS) {
        last.folded++;
        return undefined;
      }
      registries.set(event.registry, { reason: event.reason, shownAt: now(), folded: 0 });
      const since = last && last.folded > 0 ? `; ${last.folded} more since the last line` : '';
      return retryLine(event, since);
    },
    flush() {
      const lines = [...registries].filter(([, r]) => r.folded > 0).map(([registry, r]) => folded(registry, r.folded, r.reason));
      registries.clear();
      return lines;
    },
  };
}

export function compressedLine(event: CompressedEvent): string {
  const how = event.cached ? 'known from an earlier run' : `${formatBytes(event.size)} -> ${formatBytes(event.compressedSize)}`;
  return `layer ${event.diffId.slice(7, 19)} compressed to ${event.digest.slice(7, 19)} (${how})`;
}
