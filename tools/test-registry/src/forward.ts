import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { RequestOptions } from 'node:https';

/** `request` of node:http or node:https (whose options add TLS's to http's). */
type Open = (options: RequestOptions, onResponse: (upstream: IncomingMessage) => void) => ClientRequest;

/**
 * A front's request passed on to its upstream (`to`: where, and how to reach it) with its
 * method, path and headers, the body streamed through and the answer streamed back unchanged.
 */
export function forward(req: IncomingMessage, res: ServerResponse, open: Open, to: RequestOptions): void {
  const upstream = open({ method: req.method, path: req.url, headers: req.headers, ...to }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
