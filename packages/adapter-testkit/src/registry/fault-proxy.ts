import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a registry, injecting the faults pipelines meet:
 * a connection reset after N bytes, a 5xx or 429 (with Retry-After) for the next K matching
 * requests, a stall, a truncated response body. Requests matching no rule pass through untouched.
 * The Host header is passed on as it is, so the registry's Location headers point back at the proxy.
 */
export type FaultAction =
  /** Answer with this status (and Retry-After, in seconds or as an HTTP date, and any other headers) instead of forwarding. */
  | { type: 'status'; status: number; retryAfter?: string; body?: string; headers?: Record<string, string> }
  /**
   * Send the body one byte every `intervalMs`: the registry's own answer, or with `status` an
   * answer of that status whose body never ends (a dripping error page or token endpoint).
   */
  | { type: 'drip'; intervalMs: number; status?: number }
  /** Destroy the client connection once `afterBytes` of the request body have arrived (0: at once). */
  | { type: 'reset'; afterBytes?: number }
  /** Stop reading the request body after `afterBytes` for `ms`, then forward the rest. */
  | { type: 'stall'; ms: number; afterBytes?: number }
  /** Forward, but cut the response body after `bytes` and close the connection. */
  | { type: 'truncate'; bytes: number }
  /** Answer this status with an error message that quotes the request's Authorization header, as a careless registry might. */
  | { type: 'echo-authorization'; status: number };

export interface FaultRule {
  method?: string;
  /** Matched against the request path and query. */
  path?: RegExp;
  /** Let this many matching requests through before faulting (default 0). */
  skip?: number;
  /** Fault this many matching requests, then let the rest through (default 1; Infinity for all). */
  times?: number;
  /** Fault a matching request only with this probability (the soak test's random faults). */
  probability?: number;
  action: FaultAction;
}

export interface FaultRecord {
  method: string;
  path: string;
  fault: FaultAction['type'] | 'none';
  /** When it arrived (Date.now()), for checks such as "nothing came during the pause". */
  at: number;
}

export interface FaultProxy {
  host: string;
  url: string;
  /** Every request that reached the proxy, and what was done to it. */
  log: FaultRecord[];
  /** Adds a rule after those already there; returns a function that takes it away again. */
  addRule(rule: FaultRule): () => void;
  clearRules(): void;
  close(): Promise<void>;
}

interface LiveRule extends FaultRule {
  seen: number;
  faulted: number;
}

/** A seeded generator (mulberry32), so a soak run with the same seed faults the same requests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultProxyOptions {
  random?: () => number;
  /** Serve TLS with this certificate (the registry behind stays plain, on loopback). */
  tls?: { cert: string; key: string };
  /** Headers added to every response passed through (Docker Hub's rate-limit headers, say). */
  responseHeaders?: Record<string, string>;
}

export async function startFaultProxy(targetHost: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const random = options.random ?? Math.random;
  const rules: LiveRule[] = [];
  const log: FaultRecord[] = [];
  const sockets = new Set<Socket>();

  const pick = (req: IncomingMessage): FaultAction | undefined => {
    for (const rule of rules) {
      if (rule.method && rule.method !== req.method) continue;
      if (rule.path && !rule.path.test(req.url ?? '')) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.faulted >= (rule.times ?? 1)) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      rule.faulted++;
      return rule.action;
    }
    return undefined;
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const action = pick(req);
    log.push({ method: req.method ?? '', path: req.url ?? '', fault: action?.type ?? 'none', at: Date.now() });
    // Tell the registry behind that clients came over TLS, so the URLs it builds say https.
    if (options.tls) req.headers['x-forwarded-proto'] = 'https';
    handle(req, res, action, targetHost, options.responseHeaders ?? {});
  };
  const server = options.tls ? createTlsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, serve) : createServer(serve);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    log,
    addRule: (rule) => {
      const live = { ...rule, seen: 0, faulted: 0 };
      rules.push(live);
      return () => {
        const at = rules.indexOf(live);
        if (at >= 0) rules.splice(at, 1);
      };
    },
    clearRules: () => rules.splice(0),
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

function handle(req: IncomingMessage, res: ServerResponse, action: FaultAction | undefined, targetHost: string, extraHeaders: Record<string, string>): void {
  if (action?.type === 'status') {
    req.resume();
    req.once('end', () => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...action.headers };
      if (action.retryAfter !== undefined) headers['retry-after'] = action.retryAfter;
      res.writeHead(action.status, headers);
      res.end(action.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${action.status}` }] }));
    });
    return;
  }
  if (action?.type === 'drip' && action.status !== undefined) {
    req.resume();
    res.writeHead(action.status, { 'content-type': 'application/json' });
    drip(res, (function* () {
      for (;;) yield Buffer.from('x');
    })(), action.intervalMs);
    return;
  }
  if (action?.type === 'echo-authorization') {
    req.resume();
    req.once('end', () => {
      const message = `refused the request you signed with ${req.headers.authorization ?? 'nothing'}`;
      res.writeHead(action.status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message }] }));
    });
    return;
  }
  if (action?.type === 'reset' && (action.afterBytes ?? 0) === 0) {
    req.socket.destroy();
    return;
  }
  if (action?.type === 'stall' && (action.afterBytes ?? 0) === 0) {
    // Hold the whole request, headers and all, before it goes anywhere.
    setTimeout(() => handle(req, res, undefined, targetHost, extraHeaders), action.ms).unref();
    return;
  }
  const upstream = request(
    { host: targetHost.split(':')[0], port: Number(targetHost.split(':')[1]), method: req.method, path: req.url, headers: req.headers },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, ...extraHeaders });
      if (action?.type === 'drip') {
        const body: Buffer[] = [];
        upstreamRes.on('data', (chunk: Buffer) => body.push(chunk));
        upstreamRes.on('end', () => drip(res, bytesOf(Buffer.concat(body)), action.intervalMs));
        return;
      }
      if (action?.type !== 'truncate') {
        upstreamRes.pipe(res);
        return;
      }
      // Headers and the first `bytes` of the body reach the client; then the connection drops.
      let sent = 0;
      upstreamRes.on('data', (chunk: Buffer) => {
        if (sent >= action.bytes) return;
        const part = chunk.subarray(0, action.bytes - sent);
        sent += part.length;
        if (sent < action.bytes) {
          res.write(part);
          return;
        }
        upstreamRes.destroy();
        res.write(part, () => res.socket?.destroy());
      });
      upstreamRes.on('end', () => res.end());
    },
  );
  upstream.on('error', () => res.socket?.destroy());
  let received = 0;
  let stalled = false;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (action?.type === 'reset' && received >= (action.afterBytes ?? 0)) {
      upstream.destroy();
      req.socket.destroy();
      return;
    }
    upstream.write(chunk);
    if (action?.type === 'stall' && !stalled && received >= (action.afterBytes ?? 0)) {
      stalled = true;
      req.pause();
      setTimeout(() => req.resume(), action.ms).unref();
    }
  });
  req.on('end', () => upstream.end());
  req.on('error', () => upstream.destroy());
}

/** Writes one byte of `bytes` every `intervalMs` until they run out or the client goes away. */
function drip(res: ServerResponse, bytes: Iterator<Buffer>, intervalMs: number): void {
  const timer = setInterval(() => {
    const next = bytes.next();
    if (next.done) {
      clearInterval(timer);
      res.end();
    } else {
      res.write(next.value);
    }
  }, intervalMs);
  timer.unref();
  res.once('close', () => clearInterval(timer));
}

function* bytesOf(buffer: Buffer): Generator<Buffer> {
  for (let i = 0; i < buffer.length; i++) yield buffer.subarray(i, i + 1);
}
