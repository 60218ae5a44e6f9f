import type { PushResult } from '@hoist/core';
import { linesOf } from '../format.js';
import type { Output } from '../output.js';
import { errorLine, pushedReferences, type PlanOutcome, type Reporter } from './reporter.js';

/**
 * One JSON object per line on stdout, every event as core sends it (full digests), the last
 * `summary` or `error`; an error is said on stderr too, for people, as the other reporters say it.
 */
export function jsonReporter(output: Output): Reporter {
  const lines = linesOf(output);
  return {
    event(event) {
      lines.json(event);
    },
    done(result: PushResult) {
      lines.json({ type: 'summary', ...resultFields(result) });
    },
    planDone(outcomes: PlanOutcome[]) {
      for (const { name, result, failure, unchanged } of outcomes) {
        if (result) lines.json({ type: 'image', name, ...resultFields(result) });
        else if (unchanged !== undefined) lines.json({ type: 'image', name, digest: unchanged, unchanged: true });
        else {
          lines.json({ type: 'image', name, error: { code: failure.code, message: failure.message, exitCode: failure.exitCode } });
          lines.err(errorLine(failure.message, name));
        }
      }
      const count = (kind: 'result' | 'failure' | 'unchanged') => outcomes.filter((o) => o[kind] !== undefined).length;
      lines.json({ type: 'summary', images: outcomes.length, pushed: count('result'), unchanged: count('unchanged'), failed: count('failure') });
    },
    failed(message, code, exitCode) {
      lines.json({ type: 'error', code, message, exitCode });
      lines.err(errorLine(message));
    },
  };
}

function resultFields(result: PushResult) {
  return { digest: result.digest, mediaType: result.mediaType, references: pushedReferences(result), destinations: result.destinations };
}
