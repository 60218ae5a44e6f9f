import { describeAdapterConformance, memoryImage } from '@hoist/adapter-testkit';
import { memoryBlobLocations, parseReference, pushImage, type PushEvent } from '@hoist/core';
import { dockerHubAdapter } from '@hoist/adapter-dockerhub';
import { genericAdapter } from '@hoist/adapter-generic';
import { skopeoRawManifest } from '@hoist/test-images';
import { createTestCa, issueServerCert, startFaultProxy, startRegistry } from '@hoist/test-registry';
import { describe, expect, it } from 'vitest';
import { loopbackLookup, tempDir } from './helpers.js';

/**
 * Our adapters through the conformance kit, each against a real registry that demands its kind
 * of auth: generic behind htpasswd; Docker Hub as a token-auth registry answering for
 * registry-1.docker.io, with its realm on auth.docker.io, both names resolved to loopback.
 */
const PASSWORD = 'hoist-test-password';

describeAdapterConformance('generic', {
  adapter: genericAdapter({ dockerConfig: '/nonexistent', env: {} }),
  catchAll: true,
  ownedHosts: ['registry.example.com', '127.0.0.1:5000', 'ghcr.io'],
  foreignHosts: [],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'htpasswd' });
    const explicit = (password: string) => genericAdapter({ explicit: { registries: [registry.host], username: 'hoist', password }, dockerConfig: '/nonexistent', env: {} });
    return {
      registry: registry.host,
      adapter: explicit(PASSWORD),
      readManifest: (repository, tag) => skopeoRawManifest(`${registry.host}/${repository}:${tag}`, { username: 'hoist', password: PASSWORD }),
      accessLog: () => registry.accessLog(),
      refused: { adapter: explicit('refused-secret-value'), secret: 'refused-secret-value' },
      close: () => registry.stop(),
    };
  },
});

// The generic adapter told to upload in chunks and never mount, as a registry behind a proxy
// that caps request bodies may need: the kit's upload and mount groups take the other branch.
describeAdapterConformance('generic, chunked, without mounts', {
  adapter: genericAdapter({ dockerConfig: '/nonexistent', env: {} }),
  catchAll: true,
  ownedHosts: ['registry.example.com'],
  foreignHosts: [],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'htpasswd' });
    const chunked = (password: string) =>
      genericAdapter({ explicit: { registries: [registry.host], username: 'hoist', password }, dockerConfig: '/nonexistent', env: {}, capabilities: { upload: 'chunked', chunkSize: 256 * 1024, mount: false } });
    return {
      registry: registry.host,
      adapter: chunked(PASSWORD),
      readManifest: (repository, tag) => registry.readManifest(repository, tag),
      accessLog: () => registry.accessLog(),
      refused: { adapter: chunked('refused-secret-value'), secret: 'refused-secret-value' },
      close: () => registry.stop(),
    };
  },
});

const hubNamesToLoopback = loopbackLookup(['registry-1.docker.io', 'auth.docker.io']);

const pat = (secret: string) => ({ resolveCredentials: async () => ({ kind: 'basic' as const, username: 'hoist', password: secret }) });

describe('Docker Hub rate limits', () => {
  it('reports the rate-limit headers once as a registry-info event', async () => {
    const registry = await startRegistry({ auth: 'htpasswd' });
    const certs = await createTestCa(await tempDir());
    const headers = { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' };
    const proxy = await startFaultProxy(registry.host, { tls: await issueServerCert(certs, 'hub', ['registry-1.docker.io']), responseHeaders: headers });
    try {
      const events: PushEvent[] = [];
      await pushImage({
        source: memoryImage(),
        destinations: [parseReference('docker.io/team/limited:v1')],
        adapters: [dockerHubAdapter({ apiHost: `registry-1.docker.io:${proxy.host.split(':')[1]}`, credentials: pat(PASSWORD) })],
        blobLocations: memoryBlobLocations(),
        tls: { caFiles: [certs.caCert] },
        lookup: hubNamesToLoopback,
        onEvent: (e) => events.push(e),
      });
      expect(events.filter((e) => e.type === 'registry-info')).toEqual([{ type: 'registry-info', registry: 'docker.io', info: headers }]);
    } finally {
      await proxy.close();
      await registry.stop();
    }
  });
});
