import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A registry front that sends clients to a second origin (another loopback port, standing for a
 * CDN or an object store), as Docker Hub, ECR and ACR do: blob GETs are answered with a 307 to
 * it, carrying a signed query string; with `moveUploads`, the Location of a new upload session
 * points at it too. The second origin records the headers it receives and forwards to the
 * registry with credentials of its own. Everything else passes through to the registry.
 */
export interface RedirectFront {
  /** Where clients talk to the registry. */
  host: string;
  /** Headers of every request the second origin received. */
  cdnRequests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export interface RedirectFrontOptions {
  /** Point new upload sessions' Location at the second origin. */
  moveUploads?: boolean;
}

const BLOB_GET = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/;

export async function startRedirectFront(registryHost: string, registryAuthorization?: string, options: RedirectFrontOptions = {}): Promise<RedirectFront> {
  const cdnRequests: IncomingHttpHeaders[] = [];
  const [host, port] = registryHost.split(':') as [string, string];
  const forward = (req: IncomingMessage, res: ServerResponse, path: string, headers: IncomingHttpHeaders, rewrite?: (location: string) => string): void => {
    const upstream = request({ host, port: Number(port), method: req.method, path, headers }, (up) => {
      const location = up.headers.location;
      res.writeHead(up.statusCode ?? 502, rewrite && location ? { ...up.headers, location: rewrite(location) } : up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const cdn = createServer((req, res) => {
    cdnRequests.push({ ...req.headers });
    const url = new URL(req.url ?? '/', 'http://cdn');
    const path = url.searchParams.get('path') ?? '/';
    const { authorization: _dropped, ...headers } = req.headers;
    // Query parameters the client added after the path (an upload's digest=) go back on it.
    url.searchParams.delete('path');
    url.searchParams.delete('signature');
    const extra = url.searchParams.toString();
    const target = extra === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${extra}`;
    forward(req, res, target, { ...headers, host: registryHost, ...(registryAuthorization ? { authorization: registryAuthorization } : {}) }, (location) =>
      elsewhere(new URL(location, `http://${registryHost}`)),
    );
  });
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  const cdnHost = `127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  const elsewhere = (target: URL): string => `http://${cdnHost}/blob?path=${encodeURIComponent(target.pathname + target.search)}&signature=cdn-signature-123`;

  const front = createServer((req, res) => {
    if (req.method === 'GET' && BLOB_GET.test(req.url ?? '')) {
      req.resume();
      res.writeHead(307, { location: elsewhere(new URL(req.url!, 'http://front')) });
      res.end();
      return;
    }
    const newUpload = options.moveUploads && req.method === 'POST' && /\/blobs\/uploads\/$/.test(req.url ?? '');
    forward(req, res, req.url ?? '/', req.headers, newUpload ? (location) => elsewhere(new URL(location, `http://${registryHost}`)) : undefined);
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
