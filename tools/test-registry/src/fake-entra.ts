import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IssuedCert } from '@hoist/adapter-testkit/registry';

/**
 * A loopback stand-in for Microsoft Entra ID (AAD), over TLS as MSAL demands: the OpenID
 * configuration of a tenant and its token endpoint (client-credentials grant), handing out one
 * access token. Point @azure/identity at it with `authorityHost` and
 * `disableInstanceDiscovery`, and trust the test CA in its HTTP pipeline; or serve it as
 * login.microsoftonline.com itself behind a cloud proxy (`origin`), for an SDK configured by
 * nothing but the environment.
 */
export interface FakeEntra {
  /** `https://<name>:PORT`, for authorityHost. */
  authorityHost: string;
  /** `127.0.0.1:PORT`, for a cloud proxy's routes. */
  address: string;
  /** Requests received: `openid-configuration`, `token`. */
  calls: string[];
  close(): Promise<void>;
}

export interface FakeEntraOptions {
  /** The origin clients know it by, when it is not `https://<hostName>:PORT` (behind a cloud proxy). */
  origin?: string;
  /** The only application that gets a token; any client is served when left out. */
  client?: { id: string; secret: string };
}

export async function startFakeEntra(cert: IssuedCert, hostName: string, accessToken: string, options: FakeEntraOptions = {}): Promise<FakeEntra> {
  const calls: string[] = [];
  let base = '';
  const server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const tenant = url.pathname.split('/')[1] ?? 'common';
    res.setHeader('content-type', 'application/json');
    if (url.pathname.endsWith('/.well-known/openid-configuration')) {
      calls.push('openid-configuration');
      res.end(
        JSON.stringify({
          issuer: `${base}/${tenant}/v2.0`,
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
          response_types_supported: ['code'],
        }),
      );
      return;
    }
    if (url.pathname.endsWith('/oauth2/v2.0/token') && req.method === 'POST') {
      calls.push('token');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (options.client && (form.get('client_id') !== options.client.id || form.get('client_secret') !== options.client.secret)) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }));
        return;
      }
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken }));
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = options.origin ?? `https://${hostName}:${(server.address() as AddressInfo).port}`;
  return { authorityHost: base, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
