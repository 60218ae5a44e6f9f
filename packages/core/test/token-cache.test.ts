import { describe, expect, it } from 'vitest';
import { TokenCache } from '../src/registry/auth.js';

describe('TokenCache', () => {
  const credential = { kind: 'basic' as const, username: 'u', password: 'p' };

  it('serves a token until shortly before it expires', () => {
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    cache.set('repository:a:pull,push', 'tok', 300, credential);
    expect(cache.get('repository:a:pull,push', credential)).toBe('tok');
    expect(cache.get('repository:b:pull,push', credential)).toBeUndefined();
    now += 289_000;
    expect(cache.get('repository:a:pull,push', credential)).toBe('tok');
    now += 2_000;
    expect(cache.get('repository:a:pull,push', credential)).toBeUndefined();
  });

  it('serves a token only with the credential it was fetched with, and keeps it for that one', () => {
    const cache = new TokenCache();
    const renewed = { ...credential, password: 'p2' };
    cache.set('repository:a:pull', 'old', 300, credential);
    expect(cache.get('repository:a:pull', renewed)).toBeUndefined();
    expect(cache.get('repository:a:pull', undefined)).toBeUndefined();
    // A request still signed with the old credential does not take the token from the new one, nor the other way.
    cache.set('repository:a:pull', 'new', 300, renewed);
    expect(cache.get('repository:a:pull', credential)).toBeUndefined();
    expect(cache.get('repository:a:pull', renewed)).toBe('new');
  });
});
