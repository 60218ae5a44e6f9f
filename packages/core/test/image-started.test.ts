import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../src/descriptor.js';
import type { ManifestNode } from '../src/push/image-graph.js';
import { imageStarted } from '../src/push/image-started.js';
import type { PushOptions } from '../src/push/push.js';
import { parseReference } from '../src/reference.js';
import type { ImageSource } from '../src/sources/image-source.js';

const blob = (char: string, size: number): Descriptor => ({ mediaType: 'application/octet-stream', digest: `sha256:${char.repeat(64)}`, size });
const image = (config: Descriptor, ...layers: Descriptor[]): ManifestNode => ({ descriptor: blob('f', 500), bytes: Buffer.alloc(0), children: [], blobs: [config, ...layers] });
const base = blob('b', 1000);
// Two platforms that share their base layer: it counts once, as it is read and sent once.
const root: ManifestNode = { descriptor: blob('e', 300), bytes: Buffer.alloc(0), children: [image(blob('1', 10), base, blob('c', 200)), image(blob('2', 20), base, blob('d', 400))], blobs: [] };
const source = { description: 'oci:/build/app' } as ImageSource;

describe('imageStarted', () => {
  it('counts distinct layers and bytes, and names each destination with the tags it will get', () => {
    const options: PushOptions = {
      source,
      adapters: [],
      destinations: ['r.io/app:1', 'r.io/app:2', 'q.io/mirror'].map(parseReference),
      tags: ['ci-7'],
      layoutDestinations: [{ path: '/out', refs: [] }],
      daemonDestinations: [{ name: 'docker-daemon:app', repoTags: ['app:1'] }],
    };
    expect(imageStarted(options, root)).toEqual({
      type: 'image-started',
      source: 'oci:/build/app',
      layers: 3,
      bytes: 10 + 20 + 1000 + 200 + 400,
      destinations: [
        { name: 'r.io/app', tags: ['1', '2', 'ci-7'] },
        { name: 'q.io/mirror', tags: ['ci-7'] },
        { name: 'oci:/out', tags: ['ci-7'] },
        { name: 'docker-daemon:app', tags: ['1'] },
      ],
    });
  });
});
