import { describe, expect, it } from 'vitest';
import { grantedActions } from '../src/registry/token-claims.js';

const jwt = (claims: unknown): string => ['{"alg":"ES256"}', JSON.stringify(claims), 'signature'].map((p) => Buffer.from(p).toString('base64url')).join('.');

describe('grantedActions', () => {
  it('reads the actions a token grants on a repository from its access claim', () => {
    const token = jwt({ access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }, { type: 'repository', name: 'other', actions: ['pull', 'push'] }] });
    expect(grantedActions(token, 'team/app')).toEqual(['pull']);
    expect(grantedActions(token, 'other')).toEqual(['pull', 'push']);
  });

  it('says a token grants nothing on a repository its claim leaves out', () => {
    expect(grantedActions(jwt({ access: [] }), 'team/app')).toEqual([]);
  });

  it('says nothing of opaque tokens, claims of another shape, or hostile ones', () => {
    for (const token of [undefined, 'opaque-token', 'a.b', 'a.!!!.c', jwt({ sub: 'x' }), jwt({ access: 'all' }), jwt([1]), jwt({ access: [{ type: 'repository', name: 'team/app', actions: 'push' }] }), `x.${'A'.repeat(70_000)}.y`]) {
      expect(grantedActions(token, 'team/app')).toBeUndefined();
    }
    expect(grantedActions(`x.${Buffer.from('not json').toString('base64url')}.y`, 'team/app')).toBeUndefined();
  });

  it('keeps only string actions', () => {
    expect(grantedActions(jwt({ access: [{ type: 'repository', name: 'team/app', actions: ['pull', 7, null] }] }), 'team/app')).toEqual(['pull']);
  });
});
