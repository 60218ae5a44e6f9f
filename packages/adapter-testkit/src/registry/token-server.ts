import { randomUUID, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IssuedCert } from './certificates.js';

/**
 * A small token service in the shape of the distribution token spec: GET with Basic credentials
 * or anonymously, POST with the OAuth2 password and refresh-token grants. It signs ES256 JWTs
 * carrying its certificate in `x5c`, which the registry checks against its `rootcertbundle`.
 * Authenticated users get every action they ask for, but read-only users only `pull`;
 * anonymous callers get none.
 */
export interface TokenServerOptions {
  users: Readonly<Record<string, string>>;
  /** Refresh (identity) tokens the server accepts, mapped to their user. */
  refreshTokens?: Readonly<Record<string, string>>;
  /** Users whose tokens carry `pull` only, whatever they ask for (a pull-only robot account). */
  readOnlyUsers?: readonly string[];
  signer: IssuedCert & { der: Buffer; keyPem: string };
  issuer: string;
  service: string;
  /** Serve over TLS with this certificate. */
  tls?: IssuedCert;
  tokenLifetimeSeconds?: number;
  /**
   * ACR's `/oauth2/exchange`: an Entra ID access token for a refresh token (which must also be
   * in `refreshTokens` for the refresh grant that follows).
   */
  acrExchange?: { accessToken: string; refreshToken: string };
}

export interface TokenRequestRecord {
  grant: 'anonymous' | 'basic' | 'password' | 'refresh_token';
  user?: string;
  scopes: string[];
  granted: boolean;
}

export interface TokenServer {
  realm: string;
  requests: TokenRequestRecord[];
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const requests: TokenRequestRecord[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res, options, requests).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: await readFile(options.tls.cert), key: await readFile(options.tls.key) }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: TokenServerOptions, log: TokenRequestRecord[]): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://token');
  if (url.pathname === '/oauth2/exchange' && req.method === 'POST' && options.acrExchange) {
    const form = new URLSearchParams(await readBody(req));
    const ok = form.get('grant_type') === 'access_token' && form.get('access_token') === options.acrExchange.accessToken;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { refresh_token: options.acrExchange.refreshToken } : { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] }));
    return;
  }
  let grant: TokenRequestRecord['grant'] = 'anonymous';
  let user: string | undefined;
  let scopes: string[];
  let ok = true;
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const type = form.get('grant_type');
    if (type === 'password') {
      grant = 'password';
      user = form.get('username') ?? '';
      ok = options.users[user] !== undefined && options.users[user] === form.get('password');
    } else if (type === 'refresh_token') {
      grant = 'refresh_token';
      user = options.refreshTokens?.[form.get('refresh_token') ?? ''];
      ok = user !== undefined;
    } else {
      ok = false;
    }
  } else {
    scopes = url.searchParams.getAll('scope');
    const basic = parseBasic(req.headers.authorization);
    if (basic) {
      grant = 'basic';
      user = basic.user;
      ok = options.users[basic.user] !== undefined && options.users[basic.user] === basic.password;
    }
  }
  log.push({ grant, ...(user === undefined ? {} : { user }), scopes, granted: ok && user !== undefined });
  if (!ok) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] }));
    return;
  }
  const lifetime = options.tokenLifetimeSeconds ?? 300;
  const token = signToken(options, user, user === undefined ? [] : scopes, lifetime);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ token, access_token: token, expires_in: lifetime, issued_at: new Date().toISOString() }));
}

function signToken(options: TokenServerOptions, user: string | undefined, scopes: string[], lifetime: number): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [options.signer.der.toString('base64')] };
  const claims = {
    iss: options.issuer,
    sub: user ?? '',
    aud: options.service,
    iat: now,
    nbf: now - 10,
    exp: now + lifetime,
    jti: randomUUID(),
    access: scopes
      .map(parseScope)
      .filter((a) => a !== undefined)
      .map((a) => (user !== undefined && options.readOnlyUsers?.includes(user) ? { ...a, actions: a.actions.filter((x) => x === 'pull') } : a)),
  };
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: options.signer.keyPem, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** `repository:team/app:pull,push` → the JWT `access` claim entry. */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
