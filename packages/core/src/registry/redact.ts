/**
 * URLs in messages lose their query string (upload Locations and CDN redirects carry signatures
 * and session state there) and any user:password part.
 */
export function redactUrl(url: URL | string): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const query = parsed.search === '' ? '' : '?<redacted>';
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query}`;
}
