import { PushError } from '../errors.js';
import type { TransportResponse } from './transport.js';

/**
 * Upload `Location` headers (distribution spec, "Pushing blobs"): they may be relative, they may
 * carry a query string (session state, signatures) that must be kept as it is, and every
 * response's Location replaces the previous one.
 */
export function uploadLocation(res: TransportResponse): URL {
  const location = res.headers['location'];
  if (typeof location !== 'string' || location === '') {
    throw new PushError('PROTOCOL', `registry ${res.url.host} started an upload without a Location header`);
  }
  const url = new URL(location, res.url);
  // Blob bytes that left over TLS must not continue in the clear.
  if (res.url.protocol === 'https:' && url.protocol !== 'https:') {
    throw new PushError('INSECURE_TRANSPORT', `registry ${res.url.host} sent an upload Location over ${url.protocol.slice(0, -1)}, refusing to leave https`);
  }
  return url;
}

/** Appends `digest=` to the Location, after any query string the registry put there. */
export function withDigest(location: URL, digest: string): URL {
  const separator = location.search === '' ? '?' : '&';
  return new URL(`${location.href}${separator}digest=${encodeURIComponent(digest)}`);
}
