import { describeAdapterConformance } from '@hoist/adapter-testkit';
import { loopbackLookup, startRegistry } from '@hoist/adapter-testkit/registry';
import { dockerHubAdapter } from '../src/index.js';

/**
 * The conformance kit, run from this package's own tests as any adapter's would be: a real
 * registry with token auth over TLS answering as registry-1.docker.io, its realm on
 * auth.docker.io, both names resolved to loopback, sending Hub's rate-limit headers.
 */
const RATE_LIMIT_HEADERS = { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' };
const pat = (secret: string) => ({ resolveCredentials: async () => ({ kind: 'basic' as const, username: 'hoist', password: secret }) });

describeAdapterConformance('dockerhub', {
  adapter: dockerHubAdapter(),
  ownedHosts: ['docker.io', 'index.docker.io', 'registry-1.docker.io'],
  foreignHosts: ['ghcr.io', 'docker.io.example.com', 'quay.io', '123456789012.dkr.ecr.us-east-1.amazonaws.com'],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'token', tls: true, dnsNames: ['registry-1.docker.io', 'auth.docker.io'], realmHost: 'auth.docker.io', responseHeaders: RATE_LIMIT_HEADERS });
    const port = registry.host.split(':')[1]!;
    const hub = (secret: string) => dockerHubAdapter({ apiHost: `registry-1.docker.io:${port}`, credentials: pat(secret) });
    return {
      registry: 'docker.io',
      adapter: hub(registry.users['hoist']!),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup: loopbackLookup(['registry-1.docker.io', 'auth.docker.io']) },
      readManifest: (repository, tag) => registry.readManifest(repository, tag),
      accessLog: () => registry.accessLog(),
      refused: { adapter: hub('refused-pat-value'), secret: 'refused-pat-value' },
      responseHeaders: RATE_LIMIT_HEADERS,
      close: () => registry.stop(),
    };
  },
});
