/**
 * An adapter's own work (a cloud SDK's credential chain, a repository created through an API)
 * stops when the push does, whether or not the adapter listens to the signal it is given: the
 * call is not made once the signal has aborted, and a call in flight is abandoned the moment it
 * aborts, with the signal's reason (interrupted, or the time limit). What the abandoned call
 * does later is ignored. Adapter authors still should pass the signal on, so that their SDK's
 * sockets close too, but a forgotten one no longer holds a push past its --timeout.
 */
export function adapterCall<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  if (!signal) return call();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    let running: Promise<T>;
    try {
      running = call();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
