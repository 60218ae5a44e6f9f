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
      for (const { name, result, failure, unchanged } of outcomes) {
        if (result) output.out(JSON.stringify({ type: 'image', name, ...resultFields(result) }));
        else if (unchanged !== undefined) output.out(JSON.stringify({ type: 'image', name, digest: unchanged, unchanged: true }));
        else {
          output.out(JSON.stringify({ type: 'image', name, error: { code: failure.code, message: failure.message, exitCode: failure.exitCode } }));
          output.err(`hoist: error: ${name}: ${failure.message}`);
        }
      }
      const count = (kind: 'result' | 'failure' | 'unchanged') => outcomes.filter((o) => o[kind] !== undefined).length;
      output.out(JSON.stringify({ type: 'summary', images: outcomes.length, pushed: count('result'), unchanged: count('unchanged'), failed: count('failure') }));
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
