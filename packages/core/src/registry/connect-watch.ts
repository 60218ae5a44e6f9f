import type { Socket } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';
import { PushError } from '../errors.js';
import { buildConnector } from './undici-dispatchers.js';

/**
 * The connections a transport is opening, and where each stands (the TCP connect, then the TLS
 * handshake), so that a run that is stopped — its time limit, SIGINT, SIGTERM — stops them too.
 * undici keeps a request that is aborted while its connection is being opened in the client's
 * queue until the connect ends one way or the other (it acts on the abort only once the request
 * is written to a socket), so a host that accepts TCP and never finishes the handshake, or a
 * route that drops every packet, held a stopped run for the whole connect timeout. undici never
 * tells a connector which request it connects for; instead the watch counts, per origin, the
 * requests still waiting for an answer that have not been aborted, and when that count falls to
 * none the connects under way for the origin serve no one and are destroyed. The request that was
 * waiting gets an error that names the phase its connection was in.
 *
 * Cost: a Set entry per connection opened, and a counter and an abort listener per request.
 */
export class ConnectAbandoned extends PushError {
  constructor(readonly phase: string) {
    // NETWORK, so that a request that was not stopped itself (it arrived as the connection was
    // being abandoned) is retried on a fresh one.
    super('NETWORK', `${phase} was abandoned`);
  }
}

interface PendingConnect {
  socket: Socket;
  phase: string;
}

export type Connector = BuildConnector.connector;
type ConnectOptions = Parameters<typeof buildConnector>[0] & { timeout: number };

export class ConnectWatch {
  private readonly pending = new Map<string, Set<PendingConnect>>();
  private readonly waiting = new Map<string, number>();

  /** undici's own connector (TLS session cache, keep-alive, its connect timer), watched. */
  connector(origin: string, options: ConnectOptions): Connector {
    const connect = buildConnector(options);
    const connects = this.pending.get(origin) ?? new Set<PendingConnect>();
    this.pending.set(origin, connects);
    return (params, callback) => {
      const url = `${params.protocol}//${params.host ?? params.hostname}`;
      const entry: PendingConnect = { socket: undefined as unknown as Socket, phase: `connecting to ${url}` };
      entry.socket = connect(params, (error, socket) => {
        connects.delete(entry);
        if (error) callback(explainConnectError(error, entry.phase, options.timeout), null);
        else callback(null, socket!);
      }) as unknown as Socket;
      // A TLS socket says `connect` when TCP is up, `secureConnect` when the handshake is done.
      if (params.protocol === 'https:') entry.socket.once('connect', () => (entry.phase = `TLS handshake with ${params.host ?? params.hostname}`));
      connects.add(entry);
    };
  }

  /**
   * One request waiting for its answer from `origin`, until the returned function is called (its
   * answer came, or it failed). When its signal aborts and no other request waits on the origin,
   * the connects under way there are destroyed.
   */
  wait(origin: string, signal: AbortSignal): () => void {
    this.waiting.set(origin, (this.waiting.get(origin) ?? 0) + 1);
    let counted = true;
    const leave = (): void => {
      if (!counted) return;
      counted = false;
      const left = this.waiting.get(origin)! - 1;
      this.waiting.set(origin, left);
      if (signal.aborted && left === 0) this.abandon(origin);
    };
    signal.addEventListener('abort', leave, { once: true });
    return () => {
      signal.removeEventListener('abort', leave);
      leave();
    };
  }

  private abandon(origin: string): void {
    for (const entry of this.pending.get(origin) ?? []) entry.socket.destroy(new ConnectAbandoned(entry.phase));
  }
}

/** A connect that timed out, or was refused, says so with where it stood. */
function explainConnectError(error: Error, phase: string, timeoutMs: number): Error {
  if ((error as NodeJS.ErrnoException).code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new PushError('TIMEOUT', `${phase} took longer than ${Math.round(timeoutMs / 1000)} s`, { cause: error });
  }
  return error;
}
