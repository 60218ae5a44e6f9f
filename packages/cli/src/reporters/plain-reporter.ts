import type { PushEvent, PushResult } from '@hoist/core';
import { formatBytes, linesOf, shortDigest } from '../format.js';
import type { Output } from '../output.js';
import { compressedLine, planSummaryLine, retryFolder, summaryLines, type PlanOutcome, type Reporter } from './reporter.js';

/**
 * For logs without a terminal (Jenkins): one line per blob state change on stderr, a progress
 * line per long upload every PROGRESS_EVERY_MS, then the summary and digest on stdout.
 */
const PROGRESS_EVERY_MS = 10_000;

export function plainReporter(output: Output, quiet: boolean, verbose = false): Reporter {
  const lines = linesOf(output);
  const lastProgress = new Map<string, number>();
  const retries = retryFolder();
  const flushRetries = (): void => retries.flush().forEach((l) => lines.err(l));
  const line = (event: PushEvent): string | undefined => {
    if (event.type === 'retry') return retries.line(event);
    if (event.type === 'layer-compressed') return compressedLine(event);
    if (event.type === 'registry-info') return verbose ? `${event.registry}: ${Object.entries(event.info).map(([k, v]) => `${k} ${v}`).join(', ')}` : undefined;
    const where = event.destination;
    switch (event.type) {
      case 'blob-started':
        lastProgress.set(`${where} ${event.digest}`, Date.now());
        return `${where}: ${shortDigest(event.digest)} uploading ${formatBytes(event.size)}`;
      case 'blob-progress': {
        const key = `${where} ${event.digest}`;
        if (Date.now() - (lastProgress.get(key) ?? 0) < PROGRESS_EVERY_MS) return undefined;
        lastProgress.set(key, Date.now());
        const percent = event.size === 0 ? 100 : Math.floor((event.sent / event.size) * 100);
        return `${where}: ${shortDigest(event.digest)} ${percent}% of ${formatBytes(event.size)}`;
      }
      case 'blob-uploaded':
        lastProgress.delete(`${where} ${event.digest}`);
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
      const text = line(event);
      if (text !== undefined) lines.err(text);
    },
    done(result: PushResult) {
      flushRetries();
      if (quiet) {
        lines.out(result.digest);
        return;
      }
      summaryLines(result).forEach((l) => lines.out(l));
    },
    planDone(outcomes: PlanOutcome[], label: 'plan' | 'sync') {
      flushRetries();
      for (const { name, result, failure, unchanged } of outcomes) {
        if (failure) lines.err(`hoist: error: ${name}: ${failure.message}`);
        else if (unchanged !== undefined) lines.out(quiet ? `${unchanged} ${name}` : `${name}: already at the destination (${unchanged})`);
        else if (quiet) lines.out(`${result.digest} ${name}`);
        else summaryLines(result).forEach((l) => lines.out(`${name}: ${l}`));
      }
      if (!quiet) lines.out(planSummaryLine(outcomes, label));
    },
    failed(message) {
      flushRetries();
      lines.err(`hoist: error: ${message}`);
    },
  };
}
