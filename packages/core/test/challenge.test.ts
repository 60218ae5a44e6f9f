import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../src/registry/challenge.js';

describe('parseChallenges', () => {
  it('reads a distribution Bearer challenge', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
  });

  it('reads Basic, tokens without quotes and escaped quotes', () => {
    expect(parseChallenges('Basic realm="say \\"hi\\"", charset=UTF-8')).toEqual([{ scheme: 'basic', params: { realm: 'say "hi"', charset: 'UTF-8' } }]);
  });

  it('splits several challenges in one header', () => {
    const parsed = parseChallenges('Basic realm="r1", Bearer realm="https://t/x", service=svc, error="insufficient_scope"');
    expect(parsed.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(parsed[1]!.params).toEqual({ realm: 'https://t/x', service: 'svc', error: 'insufficient_scope' });
  });

  it('tolerates odd spacing and case', () => {
    expect(parseChallenges('  BEARER   Realm = "x" ,Service="y"')).toEqual([{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }]);
  });

  it('returns nothing for an empty header', () => {
    expect(parseChallenges('')).toEqual([]);
  });
});
