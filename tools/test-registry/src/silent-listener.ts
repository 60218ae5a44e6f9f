import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A host that accepts TCP and then says nothing: over TLS the client's ClientHello goes
 * unanswered, over plain HTTP the request does. What a hung registry, or a load balancer whose
 * backends are gone, looks like to a client. `connections` counts what it accepted; `received`
 * the bytes that arrived (a ClientHello proves the client reached the handshake).
 */
export interface SilentListener {
  host: string;
  connections(): number;
  received(): number;
  close(): Promise<void>;
}

export async function startSilentListener(): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let received = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => accepted,
    received: () => received,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
