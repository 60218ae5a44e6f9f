import { PushError } from './errors.js';

/**
 * The time a whole push may take, as a signal that every request, response body, token fetch,
 * source read and file write listens on. Checking the time between attempts is not enough: a
 * registry that drips one byte a second, or never answers, holds a single attempt for ever. When
 * the time is up the signal aborts with a TIMEOUT error, and whatever was running stops there.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  remainingMs(): number;
  /** Stops the timer once the work ended first. */
  clear(): void;
}

/** setTimeout's largest delay (about 24.8 days); a longer limit is no limit at all. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const deadlineReasons = new WeakSet<object>();

export function startDeadline(timeoutMs: number | undefined): Deadline {
  const controller = new AbortController();
  if (timeoutMs === undefined || timeoutMs > MAX_TIMER_MS) {
    return { signal: controller.signal, remainingMs: () => Infinity, clear: () => {} };
  }
  const endsAt = Date.now() + timeoutMs;
  const timer = setTimeout(() => {
    const reason = new PushError('TIMEOUT', 'the time limit ran out');
    deadlineReasons.add(reason);
    controller.abort(reason);
  }, Math.max(timeoutMs, 0));
  // The limit never keeps a process alive that has nothing else to do.
  timer.unref();
  return { signal: controller.signal, remainingMs: () => endsAt - Date.now(), clear: () => clearTimeout(timer) };
}

/** True for the reason a deadline's signal aborts with. */
export function isDeadlineReason(reason: unknown): reason is PushError {
  return typeof reason === 'object' && reason !== null && deadlineReasons.has(reason);
}

/**
 * A signal for one piece of work under `outer`: it aborts with outer's reason, except that a
 * deadline's reason becomes one that names the work and how far it got ("... ran out during GET
 * https://host/v2/... (reading the answer)"), so a timeout says where it struck; `refinePhase`
 * may say more at that moment. `release` stops listening once the work is over.
 */
export function namedAbort(outer: AbortSignal, what: string, refinePhase: (phase: string) => string = (phase) => phase): NamedAbort {
  const controller = new AbortController();
  let phase = '';
  const reasonAt = (at: string): unknown => {
    const reason: unknown = outer.reason;
    return isDeadlineReason(reason) ? new PushError('TIMEOUT', `${reason.message} during ${what}${at ? ` (${at})` : ''}`, { cause: reason }) : reason;
  };
  const onAbort = (): void => controller.abort(reasonAt(refinePhase(phase)));
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    setPhase: (next) => (phase = next),
    reasonAt,
    release: () => outer.removeEventListener('abort', onAbort),
  };
}

export interface NamedAbort {
  signal: AbortSignal;
  setPhase(phase: string): void;
  /** outer's reason named for the work, at a phase learnt only after the abort (a connect's). */
  reasonAt(phase: string): unknown;
  release(): void;
}
