import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A registry front that behaves like Docker Hub, ECR or ACR for blob downloads: every blob GET
 * is answered with a 307 to a second origin (the "CDN", another loopback port) carrying a signed
 * query string. The CDN records the headers it receives and serves the blob from the registry
 * with credentials of its own. Everything else passes through to the registry.
 */
export interface RedirectFront {
  /** Where clients talk to the registry. */
  host: string;
  /** Headers of every request the CDN origin received. */
  cdnRequests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

const BLOB_GET = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/;

export async function startRedirectFront(registryHost: string, registryAuthorization?: string): Promise<RedirectFront> {
  const cdnRequests: IncomingHttpHeaders[] = [];
  const [host, port] = registryHost.split(':') as [string, string];
  const forward = (req: IncomingMessage, res: ServerResponse, path: string, headers: IncomingHttpHeaders): void => {
    const upstream = request({ host, port: Number(port), method: req.method, path, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const cdn = createServer((req, res) => {
    cdnRequests.push({ ...req.headers });
    const path = new URL(req.url ?? '/', 'http://cdn').searchParams.get('path') ?? '/';
    const { authorization: _dropped, ...headers } = req.headers;
    forward(req, res, path, { ...headers, host: registryHost, ...(registryAuthorization ? { authorization: registryAuthorization } : {}) });
  });
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  const cdnHost = `127.0.0.1:${(cdn.address() as AddressInfo).port}`;

  const front = createServer((req, res) => {
    if (req.method === 'GET' && BLOB_GET.test(req.url ?? '')) {
      req.resume();
      res.writeHead(307, { location: `http://${cdnHost}/blob?path=${encodeURIComponent(req.url!)}&signature=cdn-signature-123` });
      res.end();
      return;
    }
    forward(req, res, req.url ?? '/', req.headers);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const frontHost = `127.0.0.1:${(front.address() as AddressInfo).port}`;

  return {
    host: frontHost,
    cdnRequests,
    close: async () => {
      await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => cdn.close(r))]);
    },
  };
}
