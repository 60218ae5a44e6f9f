import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IssuedCert } from './certificates.js';

/**
 * A loopback stand-in for Microsoft Entra ID (AAD), over TLS as MSAL demands: the OpenID
 * configuration of a tenant and its token endpoint (client-credentials grant), handing out one
 * access token. Point @azure/identity at it with `authorityHost` and
 * `disableInstanceDiscovery`, and trust the test CA in its HTTP pipeline.
 */
export interface FakeEntra {
  /** `https://<name>:PORT`, for authorityHost. */
  authorityHost: string;
  /** Requests received: `openid-configuration`, `token`. */
  calls: string[];
  close(): Promise<void>;
}

export async function startFakeEntra(cert: IssuedCert, hostName: string, accessToken: string): Promise<FakeEntra> {
  const calls: string[] = [];
  let base = '';
  const server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
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
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken }));
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://${hostName}:${(server.address() as AddressInfo).port}`;
  return { authorityHost: base, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
