import { describe, expect, it } from 'vitest';
import { listSyncItems, parseReference, RegistryPool } from '../src/index.js';

/** References to one tag each: listing them needs no request, so the pool has no adapter to use. */
const pool = new RegistryPool({ adapters: [] });
const ref = parseReference;

describe('listSyncItems', () => {
  it('names each image at its destination under the prefix, each once however often it is listed', async () => {
    const { items } = await listSyncItems(
      [
        { sources: [ref('docker.io/library/alpine:3.20'), ref('quay.io/prometheus/node-exporter:v1.8.2')], destination: { registry: 'registry.corp', prefix: 'mirror' } },
        { sources: [ref('alpine:3.20')], destination: { registry: 'registry.corp', prefix: 'mirror' } },
        { sources: [ref('alpine:3.20')], destination: { registry: 'backup.corp' } },
      ],
      pool,
    );
    expect(items.map((i) => [`${i.source.registry}/${i.source.repository}:${i.source.tag}`, `${i.target.registry}/${i.target.repository}:${i.target.tag}`])).toEqual([
      ['docker.io/library/alpine:3.20', 'registry.corp/mirror/library/alpine:3.20'],
      ['quay.io/prometheus/node-exporter:v1.8.2', 'registry.corp/mirror/prometheus/node-exporter:v1.8.2'],
      ['docker.io/library/alpine:3.20', 'backup.corp/library/alpine:3.20'],
    ]);
  });

  it('refuses, before any request, two sources landing on one name, a source by digest, a name too long', async () => {
    const destination = { registry: 'registry.corp', prefix: 'mirror' };
    await expect(listSyncItems([{ sources: [ref('docker.io/library/alpine:3.20'), ref('ghcr.io/library/alpine:3.20')], destination }], pool)).rejects.toThrow(
      'registry.corp/mirror/library/alpine:3.20 would be copied from both docker.io/library/alpine:3.20 and ghcr.io/library/alpine:3.20: give one of them another destination prefix',
    );
    await expect(listSyncItems([{ sources: [ref(`alpine@sha256:${'a'.repeat(64)}`)], destination }], pool)).rejects.toThrow('a sync copies tags; give the repository, or REPOSITORY:TAG');
    await expect(listSyncItems([{ sources: [ref('alpine:1')], destination: { registry: 'registry.corp', prefix: 'm'.repeat(250) } }], pool)).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
  });
});
