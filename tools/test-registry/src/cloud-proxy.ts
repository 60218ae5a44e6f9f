import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * An HTTP CONNECT proxy that stands for the Internet in front of cloud SDKs: their HTTP stacks
 * honour HTTPS_PROXY but not a test's DNS, so this proxy is where a cloud name
 * (login.microsoftonline.com:443, oauth2.googleapis.com:443, x.azurecr.io:443) meets the loopback
 * stand-in that serves it. TLS stays end to end, against the test CA (NODE_EXTRA_CA_CERTS).
 * A target not in the table is refused and recorded, so a test can show the SDK reached for
 * nothing else, and nothing ever leaves the machine.
 */
export interface CloudProxy {
  /** For HTTPS_PROXY: `http://127.0.0.1:PORT`. */
  url: string;
  /** `host:port` of every CONNECT served, in order. */
  tunnels: string[];
  /** `host:port` (or a request line) of everything refused. */
  refused: string[];
  close(): Promise<void>;
}

/** `routes` maps `host:port` as the client names it to the `127.0.0.1:port` that serves it. */
export async function startCloudProxy(routes: Readonly<Record<string, string>>): Promise<CloudProxy> {
  const tunnels: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    // Plain-HTTP proxying (absolute URIs) is not offered: every cloud endpoint is https.
    refused.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(405).end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = (req.url ?? '').toLowerCase();
    const route = routes[target];
    if (!route) {
      refused.push(target);
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    tunnels.push(target);
    const [host, port] = route.split(':') as [string, string];
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    refused,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
