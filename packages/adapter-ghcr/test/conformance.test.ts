import { describeAdapterConformance } from '@hoist/adapter-testkit';
import { loopbackLookup, startRegistry } from '@hoist/adapter-testkit/registry';
import { ghcrAdapter, GHCR_HOST } from '../src/index.js';

/**
 * The conformance kit against a real registry that answers as ghcr.io does: TLS for that name,
 * which resolves to loopback, and token auth whose realm is on ghcr.io itself (`/token`), with a
 * workflow's GITHUB_TOKEN as the actor's password; a second actor's token may only pull, as a
 * workflow's without `packages: write`.
 */
describeAdapterConformance('ghcr', {
  adapter: ghcrAdapter({ env: {} }),
  ownedHosts: [GHCR_HOST],
  foreignHosts: ['docker.io', 'ghcr.io.example.com', 'docker.pkg.github.com', 'quay.io'],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'token', tls: true, dnsNames: [GHCR_HOST], realmHost: GHCR_HOST, users: { hoist: 'ghs_workflowTokenValue', reader: 'ghs_readOnlyTokenValue' }, readOnlyUsers: ['reader'] });
    const port = registry.host.split(':')[1]!;
    const adapter = (token: string, actor = 'hoist') => ghcrAdapter({ apiHost: `${GHCR_HOST}:${port}`, env: { GITHUB_TOKEN: token, GITHUB_ACTOR: actor } });
    return {
      registry: GHCR_HOST,
      adapter: adapter(registry.users['hoist']!),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup: loopbackLookup([GHCR_HOST]) },
      readManifest: (repository, tag) => registry.readManifest(repository, tag),
      accessLog: () => registry.accessLog(),
      refused: { adapter: adapter('ghs_refusedTokenValue'), secret: 'ghs_refusedTokenValue' },
      readOnly: adapter('ghs_readOnlyTokenValue', 'reader'),
      close: () => registry.stop(),
    };
  },
});
