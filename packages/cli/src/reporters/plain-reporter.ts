import type { PushEvent, PushResult } from '@hoist/core';
import { formatBytes, linesOf, shortDigest } from '../format.js';
import type { Output } from '../output.js';
import { systemClock, type Clock } from './clock.js';
import { ProgressLine } from './progress-line.js';
import { PushProgress } from './push-progress.js';
import { compressedLine, errorLine, exportLine, planSummaryLine, retryFolder, startLine, summaryLines, type PlanOutcome, type Reporter } from './reporter.js';

/**
 * For logs without a terminal (Jenkins): a line when an image starts (and when a daemon's export
 * does), one per blob state change on stderr, a progress line for the whole push every
 * PROGRESS_EVERY_MS while it runs (exporting, compressing, uploading: bytes, rate, time left),
 * then the summary and digest on stdout.
 */
export const PROGRESS_EVERY_MS = 10_000;

export function plainReporter(output: Output, quiet: boolean, verbose = false, clock: Clock = systemClock): Reporter {
  const lines = linesOf(output);
  const retries = retryFolder(() => clock.now());
  const progress = new PushProgress(() => clock.now());
  let stopTicks: (() => void) | undefined;
  const finish = (): void => {
    stopTicks?.();
    retries.flush().forEach((l) => lines.err(l));
  };
  // From the first event on: a verb that sends none (a tag, a delete) gets no progress lines.
  const startTicks = (): (() => void) => {
    const line = new ProgressLine(progress, () => clock.now(), clock.now());
    return clock.every(PROGRESS_EVERY_MS, () => {
      const text = line.next();
      if (text !== undefined) lines.err(text);
    });
  };
  const line = (event: PushEvent): string | undefined => {
    if (event.type === 'retry') return retries.line(event);
    if (event.type === 'layer-compressed') return compressedLine(event);
    if (event.type === 'registry-info') return verbose ? `${event.registry}: ${Object.entries(event.info).map(([k, v]) => `${k} ${v}`).join(', ')}` : undefined;
    if (event.type === 'image-started') return startLine(event);
    if (event.type === 'read-progress') return exportLine(event);
    const where = event.destination;
    switch (event.type) {
      case 'blob-started':
        return `${where}: ${shortDigest(event.digest)} uploading ${formatBytes(event.size)}`;
      case 'blob-progress':
        // The progress line says it for the whole push, every PROGRESS_EVERY_MS.
        return undefined;
      case 'blob-uploaded':
        return `${where}: ${shortDigest(event.digest)} uploaded`;
      case 'blob-skipped':
        return `${where}: ${shortDigest(event.digest)} already present`;
      case 'blob-mounted':
        return `${where}: ${shortDigest(event.digest)} mounted from ${event.from}`;
      case 'manifest-skipped':
        return `${where}: manifest ${shortDigest(event.digest)} already present`;
      case 'manifest-pushed':
        return event.reference === event.digest ? `${where}: manifest ${shortDigest(event.digest)} pushed` : `${where}: tagged ${event.reference}`;
      case 'tag-kept':
        return `${where}: tag ${event.reference} already names ${shortDigest(event.digest)} (immutable, left as it is)`;
    }
  };
  return {
    event(event) {
      // Retries are news even in quiet mode: a pipeline's log should show why a push was slow.
      if (quiet && event.type !== 'retry') return;
      if (!quiet) {
        progress.observe(event);
        stopTicks ??= startTicks();
      }
      const text = line(event);
      if (text !== undefined) lines.err(text);
    },
    done(result: PushResult) {
      finish();
      if (quiet) {
        lines.out(result.digest);
        return;
      }
      summaryLines(result).forEach((l) => lines.out(l));
    },
    planDone(outcomes: PlanOutcome[], label: 'plan' | 'sync') {
      finish();
      for (const { name, result, failure, unchanged } of outcomes) {
        if (failure) lines.err(errorLine(failure.message, name));
        else if (unchanged !== undefined) lines.out(quiet ? `${unchanged} ${name}` : `${name}: already at the destination (${shortDigest(unchanged)})`);
        else if (quiet) lines.out(`${result.digest} ${name}`);
        else summaryLines(result).forEach((l) => lines.out(`${name}: ${l}`));
      }
      if (!quiet) lines.out(planSummaryLine(outcomes, label));
    },
    failed(message) {
      finish();
      lines.err(errorLine(message));
    },
  };
}
