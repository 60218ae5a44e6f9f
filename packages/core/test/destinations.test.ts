import { describe, expect, it } from 'vitest';
import { groupDestinations, planDestinations } from '../src/push/destinations.js';
import { parseReference } from '../src/reference.js';

const digest = `sha256:${'b'.repeat(64)}`;
const refs = (...r: string[]) => r.map(parseReference);

describe('planDestinations', () => {
  it('groups tags per repository and adds the extra tags everywhere', () => {
    expect(planDestinations(refs('r.io/app:a', 'r.io/app:b', 'q.io/app'), ['c'], digest)).toEqual([
      { registry: 'r.io', repository: 'app', tags: ['a', 'b', 'c'] },
      { registry: 'q.io', repository: 'app', tags: ['c'] },
    ]);
  });

  it('tags latest when a destination names neither tag nor digest', () => {
    expect(planDestinations(refs('r.io/app'), [], digest)).toEqual([{ registry: 'r.io', repository: 'app', tags: ['latest'] }]);
  });

  it('pushes by digest only when the destination names the image digest', () => {
    expect(planDestinations(refs(`r.io/app@${digest}`), [], digest)).toEqual([{ registry: 'r.io', repository: 'app', tags: [] }]);
  });

  it('refuses a destination digest that is not the image', () => {
    expect(() => planDestinations(refs(`r.io/app@sha256:${'c'.repeat(64)}`), [], digest)).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });

  it('refuses an invalid extra tag', () => {
    expect(() => planDestinations(refs('r.io/app'), ['.bad'], digest)).toThrowError(/invalid tag "\.bad"/);
  });

  it('groups before the digest is known: a bad extra tag is refused already, a layout-only push leaves tags to the layouts', () => {
    expect(groupDestinations(refs(`r.io/app@sha256:${'c'.repeat(64)}`, 'r.io/app:1'), ['c'])).toEqual([{ registry: 'r.io', repository: 'app', tags: ['1', 'c'] }]);
    expect(() => groupDestinations(refs('r.io/app'), ['.bad'])).toThrowError(/invalid tag "\.bad"/);
    expect(groupDestinations([], ['a/b'])).toEqual([]);
  });
});
