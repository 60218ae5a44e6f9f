import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Transport } from '../src/registry/transport.js';

describe('Transport connections', () => {
  it('sends every request in flight at once: none waits behind another for a connection', async () => {
    // 24 uploads whose bodies end only once all 24 have reached the server. A pool capped below
    // that would hold some back for good: the deadlock a shared read could make of it.
    const count = 24;
    const arrived: ServerResponse[] = [];
    const bodies = Array.from({ length: count }, () => new PassThrough());
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => res.end('ok'));
      arrived.push(res);
      if (arrived.length === count) for (const body of bodies) body.end('last bytes');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = new Transport();
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/upload`);
      const responses = await Promise.all(
        bodies.map(async (body) => {
          body.write('first bytes');
          const res = await transport.request({ method: 'PUT', url, body, signal: AbortSignal.timeout(3_000) });
          await res.body.dump();
          return res.status;
        }),
      );
      expect(responses).toEqual(Array.from({ length: count }, () => 200));
    } finally {
      await transport.close();
      server.close();
    }
  });
});
