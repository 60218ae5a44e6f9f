import { describe, expect, it } from 'vitest';
import { digestOf } from '../src/digest.js';
import type { ManifestNode } from '../src/push/image-graph.js';
import { parsePlatform, selectPlatforms } from '../src/push/platforms.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function image(name: string): ManifestNode {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, name }));
  return { descriptor: { mediaType: MANIFEST, digest: digestOf(bytes), size: bytes.length }, bytes, children: [], blobs: [] };
}

function index(entries: [ManifestNode, object | undefined][]): ManifestNode {
  const manifests = entries.map(([n, platform]) => ({ ...n.descriptor, ...(platform ? { platform } : {}) }));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests, annotations: { keep: 'me' } }));
  return { descriptor: { mediaType: INDEX, digest: digestOf(bytes), size: bytes.length }, bytes, children: entries.map(([n]) => n), blobs: [] };
}

const amd64 = image('amd64');
const arm64 = image('arm64');
const armv7 = image('armv7');
const root = index([
  [amd64, { os: 'linux', architecture: 'amd64' }],
  [index([[arm64, { os: 'linux', architecture: 'arm64', variant: 'v8' }], [armv7, { os: 'linux', architecture: 'arm', variant: 'v7' }]]), undefined],
]);

describe('platforms', () => {
  it('parses os/arch[/variant] and refuses anything else', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(() => parsePlatform('linux')).toThrow('expected os/arch[/variant]');
    expect(() => parsePlatform('linux/amd64/v1/x')).toThrow('expected os/arch[/variant]');
  });

  it('a single match, found in a nested index, is pushed as that manifest alone', () => {
    expect(selectPlatforms(root, [parsePlatform('linux/arm64')])).toBe(arm64);
    expect(selectPlatforms(root, [parsePlatform('linux/arm')])).toBe(armv7);
    expect(selectPlatforms(root, [parsePlatform('linux/arm64/v8')])).toBe(arm64);
  });

  it('several matches make a new index keeping the entries and annotations as they were', () => {
    const selected = selectPlatforms(root, [parsePlatform('linux/amd64'), parsePlatform('linux/arm/v7')]);
    const json = JSON.parse(selected.bytes.toString()) as { manifests: { digest: string; platform?: object }[]; annotations: object };
    expect(selected.descriptor.digest).toBe(digestOf(selected.bytes));
    expect(selected.descriptor.digest).not.toBe(root.descriptor.digest);
    expect(json.annotations).toEqual({ keep: 'me' });
    expect(json.manifests[0]).toMatchObject({ digest: amd64.descriptor.digest, platform: { architecture: 'amd64' } });
    expect(selected.children[1]!.children).toEqual([armv7]);
  });

  it('all platforms asked for leave the index untouched', () => {
    expect(selectPlatforms(root, [parsePlatform('linux/amd64'), parsePlatform('linux/arm64'), parsePlatform('linux/arm')])).toBe(root);
    expect(selectPlatforms(root, [])).toBe(root);
  });

  it('no match lists what the index has', () => {
    expect(() => selectPlatforms(root, [parsePlatform('linux/s390x')])).toThrow('no entry for linux/s390x in the index; it has: linux/amd64, linux/arm64/v8, linux/arm/v7');
  });

  it('takes a single-manifest image whose config names a wanted platform, and refuses one that names another', () => {
    expect(selectPlatforms(amd64, [parsePlatform('linux/amd64')], { os: 'linux', architecture: 'amd64' })).toBe(amd64);
    expect(selectPlatforms(amd64, [parsePlatform('linux/arm64'), parsePlatform('linux/amd64')], { os: 'linux', architecture: 'amd64' })).toBe(amd64);
    expect(() => selectPlatforms(amd64, [parsePlatform('linux/arm64')], { os: 'linux', architecture: 'amd64' })).toThrow(
      '--platform linux/arm64: this image is a single manifest for linux/amd64; push the image built for that platform, or this one without --platform',
    );
    expect(() => selectPlatforms(amd64, [parsePlatform('linux/amd64')])).toThrow('single manifest of no stated platform');
  });
});
