import type { PushResult } from '@hoist/core';
import type { Output } from '../output.js';
import { pushedReferences, type PlanOutcome, type Reporter } from './reporter.js';

/** One JSON object per line on stdout; the last is `summary` or `error`. */
export function jsonReporter(output: Output): Reporter {
  return {
    event(event) {
      output.out(JSON.stringify(event));
    },
    done(result: PushResult) {
      output.out(JSON.stringify({ type: 'summary', ...resultFields(result) }));
    },
    planDone(outcomes: PlanOutcome[]) {
      for (const { name, result, failure } of outcomes) {
        if (result) output.out(JSON.stringify({ type: 'image', name, ...resultFields(result) }));
        else {
          output.out(JSON.stringify({ type: 'image', name, error: { code: failure.code, message: failure.message, exitCode: failure.exitCode } }));
          output.err(`hoist: error: ${name}: ${failure.message}`);
        }
      }
      const failed = outcomes.filter((o) => o.failure).length;
      output.out(JSON.stringify({ type: 'summary', images: outcomes.length, pushed: outcomes.length - failed, failed }));
    },
    failed(message, code, exitCode) {
      output.out(JSON.stringify({ type: 'error', code, message, exitCode }));
      output.err(`hoist: error: ${message}`);
    },
  };
}

function resultFields(result: PushResult) {
  return { digest: result.digest, mediaType: result.mediaType, references: pushedReferences(result), destinations: result.destinations };
}
