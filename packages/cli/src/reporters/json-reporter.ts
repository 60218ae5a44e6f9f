import type { PushResult } from '@hoist/core';
import type { Output } from '../output.js';
import { pushedReferences, type Reporter } from './reporter.js';

/** One JSON object per line on stdout; the last is `summary` or `error`. */
export function jsonReporter(output: Output): Reporter {
  return {
    event(event) {
      output.out(JSON.stringify(event));
    },
    done(result: PushResult) {
      output.out(JSON.stringify({ type: 'summary', digest: result.digest, mediaType: result.mediaType, references: pushedReferences(result), destinations: result.destinations }));
    },
    failed(message, code, exitCode) {
      output.out(JSON.stringify({ type: 'error', code, message, exitCode }));
      output.err(`hoist: error: ${message}`);
    },
  };
}
