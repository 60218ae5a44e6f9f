import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

/**
 * The two Docker Engine API calls a `docker-daemon:` source makes (`GET /images/NAME/json`,
 * `GET /images/ID/get`), answered from archive files on a unix socket. Only for export shapes
 * the real daemon here cannot make: Debian's dockerd is 20.10, and the containerd image store's
 * exports (Docker 25+) hold blobs that are already compressed.
 */
export interface FakeEngine {
  /** `unix:///tmp/hf-XXXX/docker.sock`, for DOCKER_HOST. */
  host: string;
  stop(): Promise<void>;
}

/** `delayMs`: how long the export waits before its first byte, as dockerd does while it stages one. */
export async function startFakeEngine(images: Readonly<Record<string, { id: string; archive: string; delayMs?: number }>>): Promise<FakeEngine> {
  const dir = await mkdtemp('/tmp/hf-');
  const socket = join(dir, 'docker.sock');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://docker').pathname);
    const [, what, action] = /^\/images\/(.+)\/(json|get)$/.exec(path) ?? [];
    const image = Object.entries(images).find(([name, i]) => name === what || i.id === what)?.[1];
    if (!image) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `No such image: ${what ?? path}` }));
      return;
    }
    if (action === 'json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: image.id }));
    else setTimeout(() => createReadStream(image.archive).pipe(res.writeHead(200, { 'content-type': 'application/x-tar' })), image.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
