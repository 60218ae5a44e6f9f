import { describe, expect, it } from 'vitest';
import { parseReference } from '@hoist/core';
import { parseRegistryRef } from '../src/destination-refs.js';

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
});
