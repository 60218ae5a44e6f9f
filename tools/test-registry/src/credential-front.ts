import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward } from './forward.js';

/**
 * A plain-HTTP front before a registry that judges Basic credentials by a rule of its own, for
 * credentials an htpasswd file cannot follow (ECR's tokens, each with a password of its own and
 * a life of its own). A request whose credential `admits` refuses is answered 401 with a Basic
 * challenge, as ECR answers an expired token; one it admits goes on to the registry signed as
 * the registry's own user (`upstream`). Requests without credentials pass as they are, for the
 * registry to challenge. Requests and responses stream through unchanged otherwise.
 */
export interface CredentialFront {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Every request with credentials, and whether they were admitted. */
  judged: { method: string; path: string; admitted: boolean }[];
  close(): Promise<void>;
}

export interface CredentialFrontOptions {
  admits: (username: string, password: string) => boolean;
  upstream: { username: string; password: string };
}

export async function startCredentialFront(targetHost: string, options: CredentialFrontOptions): Promise<CredentialFront> {
  const judged: CredentialFront['judged'] = [];
  const [host, port] = targetHost.split(':') as [string, string];
  const upstreamAuthorization = `Basic ${Buffer.from(`${options.upstream.username}:${options.upstream.password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const given = basicCredential(req.headers.authorization);
    if (given) {
      const admitted = options.admits(given.username, given.password);
      judged.push({ method: req.method ?? '', path: req.url ?? '', admitted });
      if (!admitted) {
        req.resume();
        req.once('end', () => {
          res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="credential-front"' });
          res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        });
        return;
      }
      req.headers.authorization = upstreamAuthorization;
    }
    forward(req, res, request, { host, port: Number(port) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    judged,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function basicCredential(header: string | undefined): { username: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
