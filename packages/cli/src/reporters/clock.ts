/** Time as the reporters read it: the process's, or a test's that moves only when told. */
export interface Clock {
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    // A progress line is no reason to keep a finished process alive.
    timer.unref();
    return () => clearInterval(timer);
  },
};
