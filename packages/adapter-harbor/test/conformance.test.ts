import { describeAdapterConformance } from '@hoist/adapter-testkit';
import { loopbackLookup, startRegistry } from '@hoist/adapter-testkit/registry';
import { harborAdapter } from '../src/index.js';

/**
 * The conformance kit against a real registry that answers as a Harbor does: TLS for its name
 * (resolved to loopback), token auth with the realm on the same host, and a project robot
 * account, `robot$ci+push`, given as HARBOR_ROBOT without its prefix; `robot$ci+pull` may only
 * pull, and pushes outside its project as the kit's read-only robot.
 */
const HOST = 'harbor.example.com';
const ROBOT = 'robot$ci+push';

describeAdapterConformance('harbor', {
  adapter: harborAdapter({ env: { HARBOR_HOST: `${HOST},harbor.internal:8443` } }),
  ownedHosts: [HOST, 'harbor.internal:8443'],
  foreignHosts: ['docker.io', 'ghcr.io', 'harbor.internal', 'goharbor.io'],
  async endToEnd() {
    const registry = await startRegistry({ auth: 'token', tls: true, dnsNames: [HOST], realmHost: HOST, users: { [ROBOT]: 'robot-secret-value', 'robot$ci+pull': 'pull-secret-value' }, readOnlyUsers: ['robot$ci+pull'] });
    const port = registry.host.split(':')[1]!;
    const adapter = (secret: string, robot = 'ci+push') => harborAdapter({ hosts: [HOST], apiHost: `${HOST}:${port}`, env: { HARBOR_ROBOT: robot, HARBOR_ROBOT_SECRET: secret } });
    return {
      registry: HOST,
      adapter: adapter(registry.users[ROBOT]!),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup: loopbackLookup([HOST]) },
      readManifest: (repository, tag) => registry.readManifest(repository, tag),
      accessLog: () => registry.accessLog(),
      refused: { adapter: adapter('refused-secret-value'), secret: 'refused-secret-value' },
      readOnly: adapter('pull-secret-value', 'ci+pull'),
      close: () => registry.stop(),
    };
  },
});
