import { describe, expect, it } from 'vitest';
import { uploadLocation, withDigest } from '../src/registry/location.js';
import type { TransportResponse } from '../src/registry/transport.js';

const response = (location: string | undefined): TransportResponse =>
  ({ status: 202, url: new URL('https://reg.example:5000/v2/app/blobs/uploads/'), headers: { location }, body: undefined }) as unknown as TransportResponse;

describe('upload locations', () => {
  it('resolves a relative Location against the request URL', () => {
    expect(uploadLocation(response('/v2/app/blobs/uploads/abc?_state=xyz')).href).toBe('https://reg.example:5000/v2/app/blobs/uploads/abc?_state=xyz');
  });

  it('keeps an absolute Location on another host as it is', () => {
    expect(uploadLocation(response('https://storage.example/upload/1?sig=a%2Bb')).href).toBe('https://storage.example/upload/1?sig=a%2Bb');
  });

  it('refuses a Location that leaves https for plain http', () => {
    expect(() => uploadLocation(response('http://reg.example:5000/v2/app/blobs/uploads/abc'))).toThrowError(expect.objectContaining({ code: 'INSECURE_TRANSPORT' }));
  });

  it('fails clearly without a Location', () => {
    expect(() => uploadLocation(response(undefined))).toThrowError(expect.objectContaining({ code: 'PROTOCOL' }));
  });

  it('appends digest= after an existing query string without re-encoding it', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    expect(withDigest(new URL('https://r/u/1?_state=a%2Bb=='), digest).href).toBe(`https://r/u/1?_state=a%2Bb==&digest=sha256%3A${'0'.repeat(64)}`);
    expect(withDigest(new URL('https://r/u/1'), digest).search).toBe(`?digest=sha256%3A${'0'.repeat(64)}`);
  });
});
