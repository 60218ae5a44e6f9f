import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeadline } from '../src/deadline.js';
import { readLimitedText, Transport } from '../src/registry/transport.js';

/**
 * A deadline stops a request wherever it stands, and the error names the request and the phase:
 * a server that never answers, one that drips its body, an upload whose own body stopped coming.
 */
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/silent') return;
    if (req.url === '/upload') {
      req.resume();
      return;
    }
    res.writeHead(500);
    const timer = setInterval(() => res.write('x'), 100);
    res.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failureWithin(ms: number, run: (transport: Transport, signal: AbortSignal) => Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
  const transport = new Transport();
  const deadline = startDeadline(ms);
  const started = Date.now();
  try {
    const error = await run(transport, deadline.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, elapsed: Date.now() - started };
  } finally {
    deadline.clear();
    await transport.close();
  }
}

describe('a deadline inside a request', () => {
  it('stops the wait for an answer that never comes', async () => {
    const { error, elapsed } = await failureWithin(300, (t, signal) => t.request({ method: 'GET', url: new URL(`${base}/silent`), signal }));
    expect(elapsed).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: `the time limit ran out during GET ${base}/silent (waiting for the answer)` });
  });

  it('stops a body that drips, even one read only for its message', async () => {
    const { error, elapsed } = await failureWithin(300, async (t, signal) => readLimitedText((await t.request({ method: 'GET', url: new URL(`${base}/drip`), signal })).body));
    expect(elapsed).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: `the time limit ran out during GET ${base}/drip (reading the HTTP 500 answer)` });
  });

  it('says when an upload was waiting for its own body', async () => {
    const body = new PassThrough();
    body.write('first bytes, then nothing');
    const { error } = await failureWithin(300, (t, signal) => t.request({ method: 'PUT', url: new URL(`${base}/upload`), body, signal }));
    expect(error).toMatchObject({ code: 'TIMEOUT', message: `the time limit ran out during PUT ${base}/upload (sending the body, whose bytes had stopped coming)` });
  });

  it('takes any other reason for an abort, not a network fault', async () => {
    const transport = new Transport();
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGTERM'), 100);
    try {
      await expect(transport.request({ method: 'GET', url: new URL(`${base}/silent`), signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED', cause: 'SIGTERM' });
    } finally {
      await transport.close();
    }
  });
});
