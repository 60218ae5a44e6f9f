import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../src/descriptor.js';
import { GRAPH_LIMITS, loadImageGraph } from '../src/push/image-graph.js';
import type { ImageSource } from '../src/sources/image-source.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const descriptorOf = (mediaType: string, bytes: Buffer): Descriptor => ({ mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length });

/** An index of `count` distinct image manifests (no layers, one shared config), held in memory; counts the reads in flight. */
function indexSource(count: number, declaredSize?: number): ImageSource & { reads: number; mostAtOnce: number } {
  const config = descriptorOf('application/vnd.oci.image.config.v1+json', Buffer.from('{}'));
  const manifests = new Map<string, Buffer>();
  const children = Array.from({ length: count }, (_, i) => {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [], annotations: { n: String(i) } }));
    const d = descriptorOf(OCI_MANIFEST, bytes);
    manifests.set(d.digest, bytes);
    return { ...d, size: declaredSize ?? d.size };
  });
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }));
  const root = descriptorOf(OCI_INDEX, indexBytes);
  manifests.set(root.digest, indexBytes);
  let inFlight = 0;
  const source = {
    description: 'test:index',
    root,
    reads: 0,
    mostAtOnce: 0,
    async readManifest(d: Descriptor) {
      source.reads++;
      source.mostAtOnce = Math.max(source.mostAtOnce, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return manifests.get(d.digest)!;
    },
    async checkBlob() {},
    openBlob: () => Readable.from([]),
  };
  return source;
}

describe('loadImageGraph against a hostile index', () => {
  it('reads a large index\'s children 16 at a time, not all at once', async () => {
    const source = indexSource(200);
    const root = await loadImageGraph(source);
    expect(root.children).toHaveLength(200);
    expect(source.mostAtOnce).toBe(16);
  });

  it(`refuses an index of more than ${GRAPH_LIMITS.manifests} manifests before it reads any child`, async () => {
    const source = indexSource(GRAPH_LIMITS.manifests);
    await expect(loadImageGraph(source)).rejects.toThrow(`test:index: index ${source.root.digest} makes the image more than 1000 manifests or 64 MiB of them, hoist's limit`);
    expect(source.reads).toBe(1);
  });

  it('refuses children declared at more than 64 MiB together, before it reads any', async () => {
    const source = indexSource(20, 8 * 1024 * 1024);
    await expect(loadImageGraph(source)).rejects.toThrow('more than 1000 manifests or 64 MiB of them');
    expect(source.reads).toBe(1);
  });
});
