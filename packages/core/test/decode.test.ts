import { describe, expect, it } from 'vitest';
import {
  decodeDaemonImage,
  decodeDescriptor,
  decodeImageConfig,
  decodeLenientIndex,
  decodeManifestFields,
  decodeTagPage,
  isMediaType,
  isSize,
  isValidDigest,
  isValidRepository,
  isValidTag,
} from '../src/decode/index.js';

const D = `sha256:${'a'.repeat(64)}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const good = { mediaType: OCI_MANIFEST, digest: D, size: 12 };

describe('the grammars of names from outside', () => {
  it.each([
    ['1.0', true], ['latest', true], ['_x', true], ['a'.repeat(128), true],
    ['', false], ['.x', false], ['-x', false], ['a'.repeat(129), false], ['../../evil/put-here', false], ['a/b', false],
    ['x\nhoist: pushed OK', false], ['clear\u001b[2J', false], ['a b', false], ['ü', false], [7, false], [null, false],
  ])('tag %j: %s', (tag, valid) => expect(isValidTag(tag)).toBe(valid));

  it.each([
    [D, true], [`sha512:${'b'.repeat(128)}`, true],
    ['sha256:../../evil', false], [`sha256:${'a'.repeat(63)}`, false], [`sha256:${'a'.repeat(65)}`, false], [`sha256:${'A'.repeat(64)}`, false],
    [`sha512:${'b'.repeat(64)}`, false], [`md5:${'a'.repeat(32)}`, false], [`sha256:${'a'.repeat(64)}\n`, false], [42, false],
  ])('digest %j: %s', (digest, valid) => expect(isValidDigest(digest)).toBe(valid));

  it.each([
    ['team/app', true], ['a', true], ['a__b/c-d.e', true],
    ['../evil', false], ['team//app', false], ['Team/app', false], ['team/app/', false], ['a'.repeat(256), false],
  ])('repository %j: %s', (name, valid) => expect(isValidRepository(name)).toBe(valid));

  it.each([
    ['application/spdx+json', true], ['application/vnd.oci.image.manifest.v1+json', true], ['text/plain', true],
    ['x', false], ['application/', false], ['/json', false], ['application/json; charset=utf-8', false], ['application/x\u001b[2J', false], [{ a: 1 }, false],
  ])('media type %j: %s', (type, valid) => expect(isMediaType(type)).toBe(valid));

  it.each([[0, true], [2 ** 53 - 1, true], [-1, false], [1.5, false], [2 ** 53, false], ['12', false], [Number.NaN, false]])('size %j: %s', (size, valid) => expect(isSize(size)).toBe(valid));
});

describe('decodeDescriptor', () => {
  it('takes a valid descriptor, with its optional fields', () => {
    const full = { ...good, artifactType: 'application/spdx+json', annotations: { a: 'b' }, platform: { architecture: 'arm64', os: 'linux', 'os.features': ['x'] }, urls: ['https://x'] };
    expect(decodeDescriptor(full, 'd')).toEqual(full);
  });

  it.each([
    [null, 'd is not a descriptor object'],
    [[good], 'd is not a descriptor object'],
    [{ ...good, mediaType: undefined }, 'd has no mediaType'],
    [{ ...good, mediaType: 'not a type' }, 'd has an invalid mediaType "not a type"'],
    [{ ...good, digest: 'sha256:../../evil' }, 'd has an invalid digest "sha256:../../evil"'],
    [{ ...good, size: 'big' }, 'd has an invalid size "big"'],
    [{ ...good, artifactType: { a: 1 } }, 'd has an invalid artifactType "{"a":1}"'],
    [{ ...good, annotations: { a: 1 } }, 'd annotations "a" is not a string'],
    [{ ...good, platform: { os: 'linux' } }, 'd platform needs "architecture" and "os"'],
  ])('refuses %j: %s', (value, message) => expect(() => decodeDescriptor(value, 'd')).toThrow(message));
});

describe('decodeTagPage', () => {
  it('keeps the tags of the grammar and shows the others', () => {
    expect(decodeTagPage(JSON.stringify({ name: 'app', tags: ['1.0', '../../evil', 'a\nb', 7, null] }))).toEqual({ tags: ['1.0'], invalid: ['../../evil', 'a\nb', '7', 'null'] });
  });

  it('reads null and missing tags as none (distribution answers so for an empty repository)', () => {
    expect(decodeTagPage('{"name":"app","tags":null}')).toEqual({ tags: [], invalid: [] });
    expect(decodeTagPage('{}')).toEqual({ tags: [], invalid: [] });
  });

  it.each([['[]', 'the tag list is not a JSON object'], ['{"tags": "x"}', '"tags" is not a list'], ['{"tags": [', 'the tag list is not valid JSON']])('refuses %s', (body, message) => expect(() => decodeTagPage(body)).toThrow(message));
});

describe('decodeLenientIndex', () => {
  it('keeps the valid entries and says why each other was left out', () => {
    const { manifests, dropped } = decodeLenientIndex(JSON.stringify({ manifests: [null, good, { ...good, size: -1 }] }), 'the referrers');
    expect(manifests).toEqual([good]);
    expect(dropped).toEqual(['manifests[0] is not a descriptor object', 'manifests[2] has an invalid size "-1"']);
  });

  it.each([['null', 'is not a JSON object'], ['{"manifests":{}}', 'is not an OCI index'], ['<html>', 'is not valid JSON']])('refuses %s', (body, message) => expect(() => decodeLenientIndex(body, 'the referrers')).toThrow(message));
});

describe('documents', () => {
  it('a manifest is an object, with string annotations', () => {
    expect(decodeManifestFields(Buffer.from('{"annotations":{"a":"b"}}'), 'm').annotations).toEqual({ a: 'b' });
    expect(() => decodeManifestFields(Buffer.from('[1]'), 'm')).toThrow('m is not a JSON object');
    expect(() => decodeManifestFields(Buffer.from('{"annotations":{"a":{}}}'), 'm')).toThrow('m annotations "a" is not a string');
  });

  it('an image config: strings where hoist reads strings', () => {
    expect(decodeImageConfig(Buffer.from('{"architecture":"amd64","os":"linux","config":{"Cmd":null,"Env":["A=1"]}}'), 'c').os).toBe('linux');
    expect(() => decodeImageConfig(Buffer.from('{"os":7}'), 'c')).toThrow('c "os" is not a string');
    expect(() => decodeImageConfig(Buffer.from('{"config":{"Cmd":"sh"}}'), 'c')).toThrow('"config.Cmd" is not a list of strings');
    expect(() => decodeImageConfig(Buffer.from('{"config":{"Labels":{"a":1}}}'), 'c')).toThrow('"config.Labels" "a" is not a string');
  });

  it('a document nested deeper than any real one is refused before it is parsed; brackets in strings do not count', () => {
    const nested = (depth: number) => `{"config":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    expect(() => decodeImageConfig(Buffer.from(nested(200_000)), 'c')).toThrow('c nests deeper than 64 levels');
    expect(() => decodeManifestFields(Buffer.from(`{"x":${'['.repeat(65)}${']'.repeat(65)}}`), 'm')).toThrow('m nests deeper than 64 levels');
    expect(decodeImageConfig(Buffer.from(nested(62)), 'c').config).toBeDefined();
    expect(decodeManifestFields(Buffer.from(JSON.stringify({ annotations: { a: '{'.repeat(100), 'b"\\': '['.repeat(100) } })), 'm').annotations?.['a']).toHaveLength(100);
  });

  it("a daemon's image ID, and its size when it is a byte count", () => {
    expect(decodeDaemonImage(Buffer.from(JSON.stringify({ Id: D })), 'i')).toEqual({ id: D });
    expect(decodeDaemonImage(Buffer.from(JSON.stringify({ Id: D, Size: 7_340_032 })), 'i')).toEqual({ id: D, size: 7_340_032 });
    // The size only feeds progress lines: one that is no byte count is left out, not refused.
    expect(decodeDaemonImage(Buffer.from(JSON.stringify({ Id: D, Size: -1 })), 'i')).toEqual({ id: D });
    expect(decodeDaemonImage(Buffer.from(JSON.stringify({ Id: D, Size: '12' })), 'i')).toEqual({ id: D });
    expect(() => decodeDaemonImage(Buffer.from('{"Id":"../../x"}'), 'i')).toThrow('is not an image ID');
    expect(() => decodeDaemonImage(Buffer.from('{}'), 'i')).toThrow('i has no Id');
    expect(() => decodeDaemonImage(Buffer.from('garbage'), 'i')).toThrow('i is not valid JSON');
  });
});
