import { describe, expect, it } from 'vitest';
import { TokenCache } from '../src/registry/auth.js';

describe('TokenCache', () => {
  it('serves a token until shortly before it expires', () => {
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    cache.set('repository:a:pull,push', 'tok', 300);
    expect(cache.get('repository:a:pull,push')).toBe('tok');
    expect(cache.get('repository:b:pull,push')).toBeUndefined();
    now += 289_000;
    expect(cache.get('repository:a:pull,push')).toBe('tok');
    now += 2_000;
    expect(cache.get('repository:a:pull,push')).toBeUndefined();
  });
});
