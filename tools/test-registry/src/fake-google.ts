import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback stand-ins for Google's credential endpoints, for the real google-auth-library: a
 * metadata server (GCE_METADATA_HOST; it answers only requests carrying `Metadata-Flavor:
 * Google`) and an OAuth2 token endpoint (the refresh-token grant of gcloud's user credentials,
 * the JWT-bearer grant of service-account keys). Both hand out the same access token.
 */
export interface FakeGoogle {
  /** For GCE_METADATA_HOST: `127.0.0.1:PORT`. */
  metadataHost: string;
  /** The OAuth2 token endpoint. */
  tokenUri: string;
  /** What was asked, in order: `metadata-token`, `metadata-ping`, `refresh-grant`, `jwt-grant`. */
  calls: string[];
  close(): Promise<void>;
}

export async function startFakeGoogle(accessToken: string): Promise<FakeGoogle> {
  const calls: string[] = [];
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
        return json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' }, flavor);
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
      else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && form.get('assertion')) calls.push('jwt-grant');
      else return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
    }
    json(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { metadataHost: host, tokenUri: `http://${host}/token`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
