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

/** The push's time limit: its signal, and where the user set it (`--timeout 90s`). */
export interface TimeLimit {
  signal: AbortSignal;
  setting: string;
}

export function describeFailure(error: unknown, verbose: boolean, signal: AbortSignal, completed = 'nothing completed', timeLimit?: TimeLimit): Failure {
  const failure = timeLimit?.signal.aborted && !signal.aborted ? timedOut(error, verbose, completed, timeLimit) : describe(error, verbose, signal, completed);
  return { ...failure, message: printable(failure.message) };
}

/** Whatever stopped at the deadline, the line says the time ran out, where, and what got done. */
function timedOut(error: unknown, verbose: boolean, completed: string, timeLimit: TimeLimit): Failure {
  const cause = isPushError(error) && error.code === 'TIMEOUT' ? error : (timeLimit.signal.reason as Error);
  const message = verbose ? `${cause.message}${causes(cause.cause)}` : cause.message;
  return { message: `${message} (${timeLimit.setting}; ${completed})`, code: 'TIMEOUT', exitCode: 1 };
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
