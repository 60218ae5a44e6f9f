import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP forwarder in front of a registry whose route dies mid-upload: once `afterBytes` have
 * gone from clients to the registry, every connection through it is reset and new ones are
 * accepted and never forwarded (a failover that leaves the address answering SYNs and nothing
 * else). Bytes pass untouched, TLS included, so the client talks to the registry itself.
 */
export interface CutProxy {
  host: string;
  /** True once the route was cut. */
  cut(): boolean;
  close(): Promise<void>;
}

export async function startCutProxy(targetHost: string, afterBytes: number): Promise<CutProxy> {
  const [targetName, targetPort] = [targetHost.slice(0, targetHost.lastIndexOf(':')), Number(targetHost.slice(targetHost.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  let forwarded = 0;
  let isCut = false;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (isCut) return;
    const upstream = connect(targetPort, targetName);
    track(upstream);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (isCut) return;
      forwarded += chunk.length;
      if (forwarded < afterBytes) {
        upstream.write(chunk);
        return;
      }
      isCut = true;
      sockets.forEach((s) => s.resetAndDestroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => isCut,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
