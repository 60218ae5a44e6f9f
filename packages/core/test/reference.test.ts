import { describe, expect, it } from 'vitest';
import { formatReference, parseReference } from '../src/reference.js';

describe('parseReference', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/team/app:v1', { registry: 'docker.io', repository: 'team/app', tag: 'v1' }],
    ['team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b/c:t', { registry: 'localhost:5000', repository: 'a/b/c', tag: 't' }],
    ['Registry.Example.COM:443/app', { registry: 'registry.example.com:443', repository: 'app' }],
    ['[::1]:5000/app:v1', { registry: '[::1]:5000', repository: 'app', tag: 'v1' }],
    ['127.0.0.1:5000/my_app/web-ui__x.y:1.0-rc_1', { registry: '127.0.0.1:5000', repository: 'my_app/web-ui__x.y', tag: '1.0-rc_1' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it('keeps tag and digest together', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`ghcr.io/o/r:v1@${digest}`)).toEqual({ registry: 'ghcr.io', repository: 'o/r', tag: 'v1', digest });
  });

  it.each([
    ['', 'empty'],
    ['ghcr.io/Org/app', 'component "Org" must be lowercase'],
    ['ghcr.io/app:bad tag', 'white space'],
    ['ghcr.io/app:-lead', 'tag "-lead"'],
    [`ghcr.io/app:${'x'.repeat(129)}`, 'tag "'],
    ['ghcr.io/app@sha256:abc', 'digest "sha256:abc"'],
    ['ghcr.io//app', 'empty component'],
    ['ghcr.io/app--', 'component "app--"'],
    ['ghcr.io/a..b', 'component "a..b"'],
    ['-bad.host/app', 'registry host "-bad.host"'],
    [`ghcr.io/${'a'.repeat(256)}`, 'longer than 255'],
  ])('rejects %j naming the offending part', (input, part) => {
    expect(() => parseReference(input)).toThrowError(expect.objectContaining({ code: 'INVALID_REFERENCE', message: expect.stringContaining(part) }));
  });

  it('formats back to a fully qualified reference', () => {
    expect(formatReference(parseReference('alpine:3'))).toBe('docker.io/library/alpine:3');
  });
});
