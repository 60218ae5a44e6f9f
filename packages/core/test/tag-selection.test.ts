import { describe, expect, it } from 'vitest';
import { selectTags } from '../src/index.js';
import { nextPage } from '../src/registry/registry-reader.js';

const tags = ['latest', '1.2.0', 'v1.2.3', '1.3.0-rc.1', '1.10.0', '2.0.0', '2.1.0', 'edge', '1.2'];

describe('selectTags', () => {
  it('keeps every tag when nothing is chosen, each once', () => {
    expect(selectTags([...tags, 'latest'], {})).toEqual(tags);
  });

  it('matches a pattern against the whole tag', () => {
    expect(selectTags(tags, { pattern: '1\\.2.*' })).toEqual(['1.2.0', '1.2']);
    expect(selectTags(tags, { pattern: 'e' })).toEqual([]);
  });

  it('keeps versions in a range (v-prefixed ones too, prereleases only when asked), then the newest N', () => {
    expect(selectTags(tags, { semver: '>=1.2 <2' })).toEqual(['1.2.0', 'v1.2.3', '1.10.0']);
    expect(selectTags(tags, { newest: 3 })).toEqual(['2.1.0', '2.0.0', '1.10.0']);
    expect(selectTags(tags, { semver: '^1', newest: 2 })).toEqual(['1.10.0', 'v1.2.3']);
  });

  it('refuses a range or a pattern that does not parse, in one line', () => {
    expect(() => selectTags(tags, { semver: 'one or two' })).toThrow('"one or two" is not a version range (as npm writes them: ">=1.2 <2", "^3.1", "1.x")');
    expect(() => selectTags(tags, { pattern: '(' })).toThrow(/^"\(" is not a regular expression: /);
  });
});

describe('nextPage', () => {
  it('follows rel="next", and nothing else', () => {
    expect(nextPage('</v2/app/tags/list?last=b&n=2>; rel="next"')).toBe('/v2/app/tags/list?last=b&n=2');
    expect(nextPage(['<https://r.example/x>; rel="prev"', '<https://r.example/y>; rel=next'])).toBe('https://r.example/y');
    expect(nextPage(undefined)).toBeUndefined();
  });
});
