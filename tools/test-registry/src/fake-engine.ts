import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * The two Docker Engine API calls a `docker-daemon:` source makes (`GET /images/NAME/json`,
 * `GET /images/ID/get`), answered from archive files on a unix socket, and a load that goes wrong. Only for export shapes
 * the real daemon here cannot make: Debian's dockerd is 20.10, and the containerd image store's
 * exports (Docker 25+) hold blobs that are already compressed; and for a daemon gone wrong,
 * whose export is not a tar at all or stops part way.
 */
export interface FakeEngine {
  /** `unix:///tmp/hf-XXXX/docker.sock`, for DOCKER_HOST. */
  host: string;
  stop(): Promise<void>;
}

export interface FakeImage {
  id: string;
  /** The export's bytes; not needed for an `endless` export. */
  archive?: string;
  /** How long the export waits before its first byte, as dockerd does while it stages one. */
  delayMs?: number;
  /**
   * A hostile export: `endless` sends random bytes or zeros until the client hangs up (a
   * daemon or proxy gone wrong); `cutAt` sends the archive's first bytes and then drops the
   * connection, as a daemon that dies mid-export does.
   */
  hostile?: { endless: 'random' | 'zeros' } | { cutAt: number };
}

/**
 * How `POST /images/load` goes wrong: `early` answers "Loaded image" before reading what is sent
 * (a proxy that acknowledges at once); `errorDetail` reads it all and reports a failure only in
 * an `errorDetail` object, with no `error` string.
 */
export type FakeLoad = 'early' | 'errorDetail';

export async function startFakeEngine(images: Readonly<Record<string, FakeImage>>, options: { load?: FakeLoad } = {}): Promise<FakeEngine> {
  const dir = await mkdtemp('/tmp/hf-');
  const socket = join(dir, 'docker.sock');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://docker').pathname);
    if (req.method === 'POST' && path === '/images/load') return answerLoad(options.load, req, res);
    const [, what, action] = /^\/images\/(.+)\/(json|get)$/.exec(path) ?? [];
    const image = Object.entries(images).find(([name, i]) => name === what || i.id === what)?.[1];
    if (!image) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `No such image: ${what ?? path}` }));
      return;
    }
    if (action === 'json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: image.id }));
    else setTimeout(() => sendExport(image, res.writeHead(200, { 'content-type': 'application/x-tar' })), image.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function sendExport(image: FakeImage, res: ServerResponse): void {
  const hostile = image.hostile;
  if (hostile && 'endless' in hostile) {
    const zeros = Buffer.alloc(64 * 1024);
    const more = (): void => {
      while (!res.destroyed && res.write(hostile.endless === 'zeros' ? zeros : randomBytes(zeros.length)));
      if (!res.destroyed) res.once('drain', more);
    };
    return more();
  }
  if (!image.archive) throw new Error('a fake image needs an archive unless its export is endless');
  if (!hostile) {
    createReadStream(image.archive).pipe(res);
    return;
  }
  const cut = createReadStream(image.archive, { end: hostile.cutAt - 1 });
  cut.on('data', (chunk) => res.write(chunk));
  // Flushed, then the socket dropped without the chunked encoding's last chunk.
  cut.on('end', () => setTimeout(() => res.socket?.destroy(), 50));
}

function answerLoad(load: FakeLoad | undefined, req: IncomingMessage, res: ServerResponse): void {
  const json = { 'content-type': 'application/json' };
  if (load === 'early') {
    res.writeHead(200, json).end(`${JSON.stringify({ stream: 'Loaded image: team/app:1\n' })}\n`);
    return;
  }
  req.resume();
  req.on('end', () => res.writeHead(200, json).end(`${JSON.stringify({ errorDetail: { message: 'write /var/lib/docker/tmp: no space left on device' } })}\n`));
}
