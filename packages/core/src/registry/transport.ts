import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { Agent, envHttpProxyAgent, request } from './undici-dispatchers.js';
import { isPushError, PushError } from '../errors.js';
import { namedAbort } from '../deadline.js';
import { ConnectAbandoned, ConnectWatch } from './connect-watch.js';
import { redactUrl } from './redact.js';
import { tlsForHost, type TlsSettings } from './tls-settings.js';

/**
 * One undici Agent per host and push: keep-alive connections shared by every request to it, TLS
 * verified against the system roots plus the CAs trusted for that host (tls-settings.ts). Redirects are followed here, by hand,
 * so that `Authorization` never travels to an origin other than the one it was meant for.
 */
export interface TransportTimeouts {
  /** TCP and TLS handshake. */
  connectMs: number;
  /** From the request's end to the response's headers (a registry verifies big blobs in between). */
  headersMs: number;
  /** Silence while a response body is being read. */
  bodyMs: number;
}

/**
 * connectMs is per attempt, and a failed connect is retried (retry-policy.ts): docker's 30 s per
 * dial made a dropped route cost six times that before a pipeline heard of it. A registry that
 * answers at all completes TCP and TLS in well under a second, even across an ocean; 10 s is
 * a loaded agent's worst case with room to spare, and keeps a dead route to about a minute.
 */
export const DEFAULT_TIMEOUTS: TransportTimeouts = { connectMs: 10_000, headersMs: 300_000, bodyMs: 120_000 };

export interface TransportOptions {
  tls?: TlsSettings;
  /** Name resolution for connections, as net.connect takes it (split-horizon DNS, tests). */
  lookup?: LookupFunction;
  timeouts?: Partial<TransportTimeouts>;
  userAgent?: string;
}

export type RequestBody = string | Buffer | Uint8Array | Readable;

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
}

export interface TransportResponse {
  /** For a 401 or 403 from a registry: whose credentials were refused, and what to do (access-notes.ts). */
  refusal?: string;
  status: number;
  /** The URL that answered, after redirects. */
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Error bodies are only for messages; a registry that sends megabytes of HTML gets cut short. */
const MAX_ERROR_BODY = 64 * 1024;

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** A TLS client talking to a plain-HTTP server fails the handshake with one of these. */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

export class Transport {
  private readonly agents = new Map<string, Promise<Dispatcher>>();
  private readonly userAgent: string;
  private readonly timeouts: TransportTimeouts;
  private readonly connects = new ConnectWatch();

  constructor(private readonly options: TransportOptions = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.userAgent = options.userAgent ?? 'hoist';
    // Unreadable CA or client files are the user's mistake: say so before the first request.
    tlsForHost('', { ...options.tls, certsDirRoots: [] });
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    let url = req.url;
    let headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.dispatch({ ...req, url, headers });
      const location = res.headers['location'];
      const follow = REDIRECT_STATUSES.has(res.status) && (req.method === 'GET' || req.method === 'HEAD');
      if (!follow || typeof location !== 'string') return res;
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) {
        throw new PushError('PROTOCOL', `too many redirects from ${redactUrl(req.url)}`);
      }
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      if (url.protocol === 'https:' && next.protocol !== 'https:') {
        throw new PushError('INSECURE_TRANSPORT', `refusing redirect from https to ${redactUrl(next)}`);
      }
      url = next;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map(async (agent) => (await agent).close()));
  }

  /**
   * The dispatcher for an origin. With HTTPS_PROXY / HTTP_PROXY set (either case), requests go
   * through the proxy (a CONNECT tunnel, so TLS stays end to end) unless NO_PROXY names the host.
   */
  private agentFor(url: URL): Promise<Dispatcher> {
    // Keyed by origin: the http and https sides of one host (a loopback probe) need different TLS settings.
    let agent = this.agents.get(url.origin);
    if (!agent) {
      const tls = url.protocol === 'https:' ? tlsForHost(url.host, this.options.tls ?? {}) : {};
      // No cap on connections per origin: the push's limiter already bounds the requests in
      // flight, and a second, smaller bound here would queue an upload whose body another
      // registry's upload waits for (a read shared between registries) behind uploads that wait
      // for it in turn. Keep-alive reuses the connections a push opens.
      const connect = { timeout: this.timeouts.connectMs, ...tls, ...(this.options.lookup ? { lookup: this.options.lookup } : {}) };
      const timeouts = { headersTimeout: this.timeouts.headersMs, bodyTimeout: this.timeouts.bodyMs };
      // Through a proxy, undici's proxy agent opens the tunnel with connectors of its own.
      agent = usesProxy(process.env)
        ? envHttpProxyAgent({ ...timeouts, connect, requestTls: connect })
        : Promise.resolve(new Agent({ ...timeouts, connect: this.connects.connector(url.origin, connect) }));
      this.agents.set(url.origin, agent);
    }
    return agent;
  }

  private async dispatch(req: TransportRequest): Promise<TransportResponse> {
    // Listens for the whole exchange, body included: a deadline names this request if it strikes.
    const abort = req.signal ? namedAbort(req.signal, `${req.method} ${redactUrl(req.url)}`, (phase) => bodyPhase(req.body) ?? phase) : undefined;
    abort?.setPhase('waiting for the answer');
    const answered = abort ? this.connects.wait(req.url.origin, abort.signal) : undefined;
    try {
      // undici would queue an aborted request until its connection is open.
      abort?.signal.throwIfAborted();
      const res = await request(await this.agentFor(req.url), {
        origin: req.url.origin,
        path: req.url.pathname + req.url.search,
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        signal: abort?.signal,
        // undici closes the connection after every HEAD, in case a server sends a body anyway;
        // registries do not, and a push asks HEAD of every blob: without this each check costs a
        // new connection (a new TLS handshake, over TLS). 101 blobs opened 109 connections.
        ...(req.method === 'HEAD' ? { reset: false } : {}),
      });
      answered?.();
      if (abort) {
        abort.setPhase(`reading the HTTP ${res.statusCode} answer`);
        res.body.once('close', abort.release);
      }
      return { status: res.statusCode, url: req.url, headers: res.headers, body: res.body };
    } catch (error) {
      answered?.();
      abort?.release();
      if (isProgrammingError(error)) throw error;
      // Stopped from outside: the signal's reason (a named timeout, with the connect's phase if it
      // was still connecting) or, for a plain reason such as a signal's name, an abort that is not
      // mistaken for a network fault and retried.
      if (abort?.signal.aborted) {
        if (error instanceof ConnectAbandoned) throw abort.reasonAt(error.phase);
        throw isPushError(error) ? error : new PushError('ABORTED', `request to ${req.url.protocol}//${req.url.host} was aborted`, { cause: error });
      }
      throw networkError(error, req.url);
    }
  }
}

/**
 * Where a request whose body is a stream stands, if it has not sent all of it: a body with bytes
 * waiting is held up by the other side; an empty one by its own input (a source registry, a disk).
 */
function bodyPhase(body: RequestBody | undefined): string | undefined {
  if (!(body instanceof Readable) || body.readableEnded) return undefined;
  return body.readableLength > 0 ? 'sending the body' : 'sending the body, whose bytes had stopped coming';
}

/**
 * A TypeError or ReferenceError with no system error code is a bug (hoist's, a library's, an
 * adapter's `lookup`), not a network failure: it must not be retried as one, or reported as
 * "cannot reach".
 */
function isProgrammingError(error: unknown): boolean {
  return (error instanceof TypeError || error instanceof ReferenceError) && (error as NodeJS.ErrnoException).code === undefined;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

function usesProxy(env: NodeJS.ProcessEnv): boolean {
  return PROXY_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'cookie') out[name] = value;
  }
  return out;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** ` (it holds DNS:a, IP Address:b)`, from the certificate Node.js found wanting; '' when it did not say. */
function certificateNames(error: unknown): string {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    const names = (current as { cert?: { subjectaltname?: unknown } }).cert?.subjectaltname;
    if (typeof names === 'string' && names !== '') return ` (it holds ${names.length > 200 ? `${names.slice(0, 200)}…` : names})`;
  }
  return '';
}

/** True when nothing listens where the request went (or a firewall says so). */
export function isConnectionRefused(error: unknown): boolean {
  return error instanceof PushError && error.code === 'NETWORK' && errorCode(error.cause) === 'ECONNREFUSED';
}

/** True when the failure says the server does not speak TLS at all (a plain-HTTP endpoint). */
export function isNotTlsError(error: unknown): boolean {
  return error instanceof PushError && error.code === 'TLS' && NOT_TLS_CODES.has(errorCode(error.cause) ?? '');
}

function networkError(error: unknown, url: URL): PushError {
  if (error instanceof PushError) return error;
  const code = errorCode(error);
  const where = `${url.protocol}//${url.host}`;
  const ownCode = (error as { code?: unknown } | undefined)?.code;
  if (ownCode === 'UND_ERR_ABORTED' || (error as Error | undefined)?.name === 'AbortError') {
    return new PushError('ABORTED', `request to ${where} was aborted`, { cause: error });
  }
  if (typeof ownCode === 'string' && TIMEOUT_CODES.has(ownCode)) {
    return new PushError('TIMEOUT', `request to ${where} timed out (${ownCode})`, { cause: error });
  }
  // An HTTP server answering a TLS hello: no CA would help.
  if (code !== undefined && NOT_TLS_CODES.has(code)) {
    return new PushError('TLS', `TLS handshake with ${where} failed: ${code}: it answers plain HTTP, not TLS (allow that with --plain-http ${url.host}; hoist sends no credentials over plain HTTP off loopback)`, { cause: error });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new PushError('TLS', `TLS handshake with ${where} failed: its certificate is not for ${url.hostname}${certificateNames(error)}; use a name the certificate holds`, { cause: error });
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new PushError('TLS', `TLS handshake with ${where} failed: ${code}: the registry's certificate is out of date (or this machine's clock is wrong)`, { cause: error });
  }
  if (code !== undefined && (TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) {
    return new PushError('TLS', `TLS handshake with ${where} failed: ${code} (trust the registry's CA with --ca-file)`, {
      cause: error,
    });
  }
  // A name that does not resolve is a typo or a missing DNS entry: retrying will not fix it.
  // (EAI_AGAIN, a resolver's temporary failure, stays a retryable network error.)
  if (code === 'ENOTFOUND') return new PushError('UNKNOWN_HOST', `cannot resolve ${url.hostname} (ENOTFOUND)`, { cause: error });
  if (code === 'ECONNREFUSED') {
    return new PushError('NETWORK', `cannot connect to ${where}: connection refused (ECONNREFUSED); is the registry running at ${where}?`, { cause: error });
  }
  const reason = code ?? (error as Error | undefined)?.message ?? 'unknown error';
  // A TLS 1.3 server that wants a client certificate closes the connection after the handshake
  // instead of failing it; all the client sees is the socket closing.
  if (url.protocol === 'https:' && /other side closed/.test(String((error as Error | undefined)?.message))) {
    return new PushError('NETWORK', `${where} closed the connection (${reason}); if the registry requires a client certificate, give it with --cert/--key or a certs.d directory`, { cause: error });
  }
  return new PushError('NETWORK', `cannot reach ${where}: ${reason}`, { cause: error });
}

/**
 * A body read only for what it says (an error, a token answer): at most MAX_ERROR_BODY bytes,
 * then the rest is dropped with the connection, so an endless body costs nothing; a body cut
 * short gives what arrived, since the status already says what happened.
 */
export async function readLimitedText(body: TransportResponse['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      chunks.push(buf.subarray(0, MAX_ERROR_BODY - size));
      size += buf.length;
      if (size >= MAX_ERROR_BODY) {
        body.destroy();
        break;
      }
    }
  } catch (error) {
    // An abort (a signal, the time limit) stops the caller too; a body cut short by the other
    // side says what arrived, which is all there is to say.
    if (isPushError(error) || (error as Error | undefined)?.name === 'AbortError') throw error;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A whole response body as bytes, failing once it passes `max` (a manifest, a token). */
export async function readBody(body: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw new PushError('PROTOCOL', `${what} is larger than ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

/** Loopback: 127.0.0.0/8, ::1 and localhost. Only these may fall back to plain HTTP unasked. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK_HOSTS.has(name.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
