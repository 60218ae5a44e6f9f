import { isPushError } from '@hoist/core';
import { printable } from './format.js';
import { UsageError } from './usage-error.js';

/**
 * One line for any failure, and its exit status: 2 for the caller's mistakes (bad reference,
 * bad source, bad flag), 1 for a push that failed, 130/143 when interrupted. With --verbose the
 * causes follow on the same line; stack traces are never shown.
 */
export interface Failure {
  message: string;
  code: string;
  exitCode: number;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function describeFailure(error: unknown, verbose: boolean, signal: AbortSignal, completed = 'nothing completed'): Failure {
  const failure = describe(error, verbose, signal, completed);
  return { ...failure, message: printable(failure.message) };
}

function describe(error: unknown, verbose: boolean, signal: AbortSignal, completed: string): Failure {
  if (signal.aborted) {
    const name = typeof signal.reason === 'string' ? signal.reason : 'SIGINT';
    return { message: `interrupted by ${name} (${completed}); no tag was written`, code: 'ABORTED', exitCode: SIGNAL_EXIT[name] ?? 130 };
  }
  if (error instanceof UsageError) return { message: error.message, code: 'USAGE', exitCode: 2 };
  if (isPushError(error)) {
    const message = verbose ? `${error.message}${causes(error.cause)}` : error.message;
    return { message, code: error.code, exitCode: error.kind === 'usage' ? 2 : 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `unexpected failure: ${message}`, code: 'INTERNAL', exitCode: 1 };
}

function causes(cause: unknown): string {
  let text = '';
  let current = cause;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    text += ` (caused by: ${current.message}${code ? ` [${code}]` : ''})`;
    current = current.cause;
  }
  return text;
}
