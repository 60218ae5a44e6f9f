import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IssuedCert } from '@hoist/adapter-testkit/registry';

/**
 * Loopback stand-ins for Google's credential endpoints, for the real google-auth-library: a
 * metadata server (GCE_METADATA_HOST; it answers only requests carrying `Metadata-Flavor:
 * Google`) and an OAuth2 token endpoint (the refresh-token grant of gcloud's user credentials,
 * the JWT-bearer grant of service-account keys). Both hand out the same access token. Given a
 * service account, it serves as oauth2.googleapis.com does: over TLS (behind a cloud proxy, since
 * the library sends that grant to Google's fixed URL), and only to an assertion signed with the
 * account's key, issued by its email, for the token URL and the cloud-platform scope. With
 * `tokenPerGrant`, each token is `<accessToken>-N`, which a front before a registry takes only
 * while `isLive` says so.
 */
export interface FakeGoogle {
  /** For GCE_METADATA_HOST: `127.0.0.1:PORT`. */
  metadataHost: string;
  /** The OAuth2 token endpoint. */
  tokenUri: string;
  /** What was asked, in order: `metadata-token`, `metadata-ping`, `refresh-grant`, `jwt-grant`. */
  calls: string[];
  /** `127.0.0.1:PORT`, for a cloud proxy's routes. */
  address: string;
  /** True for a token it handed out that has not expired yet. */
  isLive(token: string): boolean;
  close(): Promise<void>;
}

export interface FakeGoogleOptions {
  tls?: IssuedCert;
  /** The service account whose signed assertions get a token (PEM public key). */
  serviceAccount?: { email: string; publicKey: string };
  /** What each token's `expires_in` says, and how long it is live (default 3599). */
  tokenLifetimeSeconds?: number;
  /** Each grant gets a token of its own, as Google's are. */
  tokenPerGrant?: boolean;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export async function startFakeGoogle(accessToken: string, options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const calls: string[] = [];
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  /** Token → when it expires (ms). */
  const issued = new Map<string, number>();
  const issue = () => {
    const token = options.tokenPerGrant ? `${accessToken}-${issued.size + 1}` : accessToken;
    issued.set(token, Date.now() + lifetime * 1000);
    return { access_token: token, expires_in: lifetime, token_type: 'Bearer' };
  };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://google');
    if (url.pathname.startsWith('/computeMetadata/v1')) {
      if (req.headers['metadata-flavor'] !== 'Google') return json(res, 403, { error: 'missing Metadata-Flavor' });
      const flavor = { 'metadata-flavor': 'Google' };
      if (url.pathname.endsWith('/service-accounts/default/token')) {
        calls.push('metadata-token');
        return json(res, 200, issue(), flavor);
      }
      calls.push('metadata-ping');
      res.writeHead(200, { ...flavor, 'content-type': 'text/plain' });
      res.end('');
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const grant = form.get('grant_type');
      if (grant === 'refresh_token' && form.get('refresh_token')) calls.push('refresh-grant');
      else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && validAssertion(form.get('assertion'), options.serviceAccount)) calls.push('jwt-grant');
      else return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, issue());
    }
    json(res, 404, { error: 'not found' });
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  };
  const server = options.tls ? createHttpsServer({ cert: await readFile(options.tls.cert), key: await readFile(options.tls.key) }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    metadataHost: host,
    tokenUri: `${options.tls ? 'https' : 'http'}://${host}/token`,
    address: host,
    calls,
    isLive: (token) => (issued.get(token) ?? 0) > Date.now(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Any assertion without a service account to check it against; else an RS256 JWT from that account. */
function validAssertion(assertion: string | null, account: FakeGoogleOptions['serviceAccount']): boolean {
  if (!assertion) return false;
  if (!account) return true;
  const [header, claims, signature] = assertion.split('.');
  if (!header || !claims || !signature) return false;
  const signed = verify('sha256', Buffer.from(`${header}.${claims}`), createPublicKey(account.publicKey), Buffer.from(signature, 'base64url'));
  const c = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iss?: string; aud?: string; scope?: string; exp?: number };
  return signed && c.iss === account.email && c.aud === GOOGLE_TOKEN_URL && (c.scope ?? '').split(' ').includes(CLOUD_PLATFORM) && (c.exp ?? 0) * 1000 > Date.now();
}
