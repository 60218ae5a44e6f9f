import { describe, expect, it } from 'vitest';
import { refreshTokenExpiry } from '../src/refresh-token.js';

const jwt = (claims: unknown) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;

describe('ACR refresh token expiry', () => {
  it("reads the JWT's exp, in ms", () => {
    expect(refreshTokenExpiry(jwt({ exp: 1_900_000_000, grant_type: 'refresh_token' }))).toBe(1_900_000_000_000);
  });

  it.each([
    ['an opaque token', 'acr-refresh-token-1'],
    ['no exp', jwt({ sub: 'hoist' })],
    ['an exp that is no number', jwt({ exp: '1900000000' })],
    ['claims that are no JSON', `a.${Buffer.from('not json').toString('base64url')}.c`],
    ['claims that are no base64url', 'a.b+c/d=.e'],
  ])('says nothing for %s', (_case, token) => {
    expect(refreshTokenExpiry(token)).toBeUndefined();
  });
});
