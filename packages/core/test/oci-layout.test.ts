import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadImageGraph } from '../src/push/image-graph.js';
import { isLayoutRefName } from '../src/sources/layout-ref.js';
import { openOciLayout, parseOciLayoutSpec } from '../src/sources/oci-layout.js';

/** A minimal layout written byte by byte, so these tests depend on nothing but the spec. */
async function layout(entries: { ref?: string; manifest?: object }[], extra: (dir: string, blob: (b: Buffer) => Promise<string>) => Promise<void> = async () => {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-layout-'));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const blob = async (bytes: Buffer): Promise<string> => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
    return `sha256:${hex}`;
  };
  const config = Buffer.from('{}');
  const configDigest = await blob(config);
  const manifests = [];
  for (const entry of entries) {
    const manifest = Buffer.from(
      JSON.stringify(entry.manifest ?? { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers: [] }),
    );
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: await blob(manifest),
      size: manifest.length,
      ...(entry.ref ? { annotations: { 'org.opencontainers.image.ref.name': entry.ref } } : {}),
    });
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  await extra(dir, blob);
  return dir;
}

describe('parseOciLayoutSpec', () => {
  it.each([
    ['/builds/out', { path: '/builds/out' }],
    ['oci:/builds/out', { path: '/builds/out' }],
    ['oci:/builds/out:v1', { path: '/builds/out', ref: 'v1' }],
    ['oci:rel/dir:1.0', { path: 'rel/dir', ref: '1.0' }],
    // The first colon, as skopeo splits it: a branch-style ref keeps its slash.
    ['oci:/a:b/c', { path: '/a', ref: 'b/c' }],
    ['oci:out:feature/login', { path: 'out', ref: 'feature/login' }],
    ['oci:out:app:1', { path: 'out', ref: 'app:1' }],
    ['oci:out:../../../x', { path: 'out', ref: '../../../x' }],
  ])('%s', (spec, expected) => expect(parseOciLayoutSpec(spec)).toEqual(expected));
});

describe('openOciLayout', () => {
  it('picks the only entry of a plain path', async () => {
    const dir = await layout([{}]);
    const source = await openOciLayout({ path: dir });
    expect(source.root.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const graph = await loadImageGraph(source);
    expect(graph.blobs).toHaveLength(1);
  });

  it('picks an entry by ref name, and lists the names when the ref is unknown', async () => {
    const dir = await layout([{ ref: 'v1' }, { ref: 'v2', manifest: { schemaVersion: 2, config: { mediaType: 'application/x', digest: `sha256:${'0'.repeat(64)}`, size: 0 }, layers: [] } }]);
    expect((await openOciLayout({ path: dir, ref: 'v2' })).root.annotations).toEqual({ 'org.opencontainers.image.ref.name': 'v2' });
    await expect(openOciLayout({ path: dir, ref: 'v3' })).rejects.toThrow('no image named "v3" in index.json; it has: v1, v2');
    await expect(openOciLayout({ path: dir })).rejects.toThrow('index.json lists 2 images; pick one with oci:PATH:REF from: v1, v2');
  });

  it.each([
    ['a missing directory', async () => '/nonexistent/hoist', 'no such directory'],
    ['a directory that is not a layout', async () => mkdtemp(join(tmpdir(), 'hoist-empty-')), 'oci-layout is missing'],
    ['broken index.json', async () => layout([{}], async (dir) => writeFile(join(dir, 'index.json'), '{"manifests": [')), 'index.json is not valid JSON'],
    ['an index entry with a bad digest', async () => layout([{}], async (dir) => writeFile(join(dir, 'index.json'), '{"manifests":[{"mediaType":"application/x","digest":"sha256:../../etc","size":1}]}')), 'invalid digest'],
  ])('refuses %s with one clear line', async (_name, make, message) => {
    const dir = await make();
    await expect(openOciLayout({ path: dir })).rejects.toMatchObject({ code: 'INVALID_SOURCE', message: expect.stringContaining(message) });
  });

  it('streams blobs whole in pieces no bigger than the blob, an empty one included', async () => {
    const small = Buffer.alloc(70 * 1024, 7);
    const digests: string[] = [];
    const dir = await layout([{}], async (_dir, blob) => {
      digests.push(await blob(small), await blob(Buffer.alloc(0)));
    });
    const source = await openOciLayout({ path: dir });
    const read = async (digest: string, size: number) => {
      const pieces: Buffer[] = [];
      for await (const piece of source.openBlob({ mediaType: 'x', digest, size })) pieces.push(piece as Buffer);
      return pieces;
    };
    const pieces = await read(digests[0]!, small.length);
    expect(Buffer.concat(pieces).equals(small)).toBe(true);
    expect(Math.max(...pieces.map((p) => p.buffer.byteLength))).toBeLessThanOrEqual(small.length);
    expect(await read(digests[1]!, 0)).toEqual([]);
  });

  it('finds a missing blob and a corrupt manifest before anything is pushed', async () => {
    const missing = await layout([{ manifest: { schemaVersion: 2, config: { mediaType: 'application/x', digest: `sha256:${'1'.repeat(64)}`, size: 3 }, layers: [] } }]);
    await expect(loadImageGraph(await openOciLayout({ path: missing }))).rejects.toThrow(`blob sha256:${'1'.repeat(64)} is missing`);

    const corrupt = await layout([{}]);
    const source = await openOciLayout({ path: corrupt });
    await writeFile(join(corrupt, 'blobs', 'sha256', source.root.digest.slice(7)), '{"tampered":true}');
    await expect(loadImageGraph(source)).rejects.toThrow('is corrupt');
  });
});

describe('isLayoutRefName', () => {
  it.each(['latest', 'v1.2.3', 'feature/login', 'app:1', 'a--b', 'A+b@c', 'release/2.0/rc1'])('takes %j', (ref) => expect(isLayoutRefName(ref)).toBe(true));
  it.each(['', '../x', '../../../x', 'a/', '/a', 'a//b', '-a', 'a-', 'a---b', 'a b', 'a\nb', 'a\u001b[2J', '.hidden', 'a/../b'])('refuses %j', (ref) => expect(isLayoutRefName(ref)).toBe(false));
});
