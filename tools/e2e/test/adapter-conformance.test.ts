import { describeAdapterConformance } from '@hoist/adapter-conformance';
import { dockerHubAdapter } from '@hoist/adapter-dockerhub';
import { genericAdapter } from '@hoist/adapter-generic';
import { skopeoRawManifest } from '@hoist/test-images';
import { startRegistry } from '@hoist/test-registry';
import { loopbackLookup, readManifestWithToken } from './helpers.js';

/**
 * Our adapters through the conformance kit, each against a real registry that demands its kind
 * of auth: generic behind htpasswd; Docker Hub as a token-auth registry answering for
 * registry-1.docker.io, with its realm on auth.docker.io, both names resolved to loopback.
 */
const PASSWORD = 'hoist-test-password';

describeAdapterConformance('generic', {
  adapter: genericAdapter({ dockerConfig: '/nonexistent', env: {} }),
  ownedHosts: ['registry.example.com', '127.0.0.1:5000', 'ghcr.io'],
  foreignHosts: [],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'htpasswd' });
    const explicit = (password: string) => genericAdapter({ explicit: { registries: [registry.host], username: 'hoist', password }, dockerConfig: '/nonexistent', env: {} });
    return {
      registry: registry.host,
      adapter: explicit(PASSWORD),
      readManifest: (repository, tag) => skopeoRawManifest(`${registry.host}/${repository}:${tag}`, { username: 'hoist', password: PASSWORD }),
      refused: { adapter: explicit('refused-secret-value'), secret: 'refused-secret-value' },
      close: () => registry.stop(),
    };
  },
});

const hubNamesToLoopback = loopbackLookup(['registry-1.docker.io', 'auth.docker.io']);

const pat = (secret: string) => ({ resolveCredentials: async () => ({ kind: 'basic' as const, username: 'hoist', password: secret }) });

describeAdapterConformance('dockerhub', {
  adapter: dockerHubAdapter(),
  ownedHosts: ['docker.io', 'index.docker.io', 'registry-1.docker.io'],
  foreignHosts: ['ghcr.io', 'docker.io.example.com', 'quay.io', '123456789012.dkr.ecr.us-east-1.amazonaws.com'],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'token', tls: true, dnsNames: ['registry-1.docker.io', 'auth.docker.io'], realmHost: 'auth.docker.io' });
    const port = registry.host.split(':')[1]!;
    const hub = (secret: string) => dockerHubAdapter({ apiHost: `registry-1.docker.io:${port}`, credentials: pat(secret) });
    return {
      registry: 'docker.io',
      adapter: hub(PASSWORD),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup: hubNamesToLoopback },
      // skopeo would look auth.docker.io up in real DNS: read with curl at loopback instead.
      readManifest: (repository, tag) => readManifestWithToken(registry, repository, tag),
      refused: { adapter: hub('refused-pat-value'), secret: 'refused-pat-value' },
      close: () => registry.stop(),
    };
  },
});
