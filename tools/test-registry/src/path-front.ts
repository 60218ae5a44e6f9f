import { readFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IssuedCert } from '@hoist/adapter-testkit/registry';
import { forward } from './forward.js';

/**
 * One https origin made of several loopback servers, split by path prefix: ACR serves its
 * /oauth2/exchange and /oauth2/token on the registry's own host, which a token service of ours
 * and a distribution registry on two ports become behind this front. Upstreams are https,
 * verified against `ca`; requests and responses stream through unchanged.
 */
export interface PathFront {
  /** `127.0.0.1:PORT` */
  host: string;
  close(): Promise<void>;
}

export interface PathRoute {
  prefix: string;
  /** `127.0.0.1:PORT` of an https upstream. */
  upstream: string;
}

export async function startPathFront(cert: IssuedCert, ca: string, routes: readonly PathRoute[]): Promise<PathFront> {
  const trusted = await readFile(ca);
  const server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
    const route = routes.find((r) => (req.url ?? '/').startsWith(r.prefix));
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const [host, port] = route.upstream.split(':') as [string, string];
    forward(req, res, request, { host, port: Number(port), ca: trusted, servername: 'localhost' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
