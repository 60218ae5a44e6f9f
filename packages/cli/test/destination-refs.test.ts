import { describe, expect, it } from 'vitest';
import { parseReference } from '@hoist/core';
import { daemonDestination, parseRegistryRef } from '../src/destination-refs.js';

describe('parseRegistryRef', () => {
  it.each(['127.0.0.1:5000', 'localhost:5000', 'localhost', 'registry.example.com', 'registry.example.com:443', 'reg.example.com@sha256:' + 'a'.repeat(64)])('refuses %s: a registry with no repository', (text) => {
    expect(() => parseRegistryRef(text, parseReference, 'destination')).toThrowError(/names a registry but no repository: add one, e\.g\. .+\/team\/app:1$/);
  });

  it.each([
    ['alpine:3.20', 'docker.io', 'library/alpine'],
    ['app:5000', 'docker.io', 'library/app'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000', 'team/app'],
    ['localhost/app', 'localhost', 'app'],
  ])('takes %s as Docker does', (text, registry, repository) => {
    expect(parseRegistryRef(text, parseReference, 'destination')).toMatchObject({ registry, repository });
  });

  it.each([
    ['127.0.0.1:5000/team/backend:feature/login', 'feature/login'],
    ['registry.example.com/backend:release/1.2', 'release/1.2'],
    ['app:feature/x', 'feature/x'],
    ['[::1]:5000/app:a/b', 'a/b'],
  ])('says a tag holds no "/" for %s, and offers --tag-env for a destination', (text, tag) => {
    expect(() => parseRegistryRef(text, parseReference, 'destination')).toThrowError(
      `destination "${text}": the tag is the part after the last ":", and "${tag}" holds a "/", which no tag may; for a branch name, --tag-env VAR makes a tag of it (${tag} becomes ${tag.replaceAll('/', '-')})`,
    );
    expect(() => parseRegistryRef(text, parseReference, 'source')).toThrowError(new RegExp(`"${tag}" holds a "/", which no tag may$`));
  });

  it('leaves other bad names to the grammar', () => {
    expect(() => parseRegistryRef('127.0.0.1:5000/Team/app', parseReference, 'destination')).toThrowError(/repository component/);
  });
});

describe('daemonDestination', () => {
  it.each([
    ['docker-daemon:app', [], 'docker-daemon:app', ['app:latest']],
    ['docker-daemon:app:1', ['stable'], 'docker-daemon:app', ['app:1', 'app:stable']],
    ['docker-daemon:localhost:5000/team/app:2', [], 'docker-daemon:localhost:5000/team/app', ['localhost:5000/team/app:2']],
    ['docker-daemon:app', ['a', 'a'], 'docker-daemon:app', ['app:a']],
  ])('%s with -t %j', (text, tags, name, repoTags) => {
    expect(daemonDestination(text, tags, parseReference)).toEqual({ name, repoTags });
  });
});
