import { describeAdapterConformance } from '@hoist/adapter-testkit';
import { loopbackLookup, startRegistry } from '@hoist/adapter-testkit/registry';
import { quayAdapter } from '../src/index.js';

/**
 * The conformance kit against a real registry that answers as quay.io does: TLS for its name
 * (resolved to loopback), token auth with the realm on the same host, and two robots of the
 * organization acme: acme+ci, which may push, and acme+reader, which the token service grants
 * pulls only, so that a push of it is refused with 401 as Quay refuses one.
 */
const HOST = 'quay.io';
const ROBOTS = { 'acme+ci': 'ROBOTTOKENCI0123456789', 'acme+reader': 'ROBOTTOKENREADER0123456789' };

describeAdapterConformance('quay', {
  adapter: quayAdapter({ env: { QUAY_HOST: 'registry.corp.example,quay.internal:8443' } }),
  ownedHosts: [HOST, 'registry.corp.example', 'quay.internal:8443'],
  foreignHosts: ['docker.io', 'ghcr.io', 'quay.internal', 'cdn.quay.io'],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'token', tls: true, dnsNames: [HOST], realmHost: HOST, users: ROBOTS, readOnlyUsers: ['acme+reader'] });
    const port = registry.host.split(':')[1]!;
    const robot = (name: string, token: string) => quayAdapter({ apiHost: `${HOST}:${port}`, env: { QUAY_ROBOT: name, QUAY_ROBOT_TOKEN: token } });
    return {
      registry: HOST,
      adapter: robot('acme+ci', ROBOTS['acme+ci']),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup: loopbackLookup([HOST]) },
      readManifest: (repository, tag) => registry.readManifest(repository, tag, 'acme+ci'),
      accessLog: () => registry.accessLog(),
      refused: { adapter: robot('acme+ci', 'REFUSEDROBOTTOKEN'), secret: 'REFUSEDROBOTTOKEN' },
      readOnly: robot('acme+reader', ROBOTS['acme+reader']),
      close: () => registry.stop(),
    };
  },
});
