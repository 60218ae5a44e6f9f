import type { AccessRefusal, AdapterFactoryOptions, Credential, CredentialContext, RegistryAdapter } from '@hoist/core';
import { DEFAULT_CAPABILITIES } from '@hoist/core';

/**
 * hoist's adapter for Harbor. Harbor is self-hosted, so its hosts are configured
 * (`HARBOR_HOST`, comma-separated), and a pipeline pushes as a robot account: a project robot
 * is `robot$PROJECT+NAME`, a system robot `robot$NAME`. The `$` is where shells and Jenkins
 * strings go wrong, so `HARBOR_ROBOT` may leave the `robot$` prefix out (`ci+push`); its secret
 * is `HARBOR_ROBOT_SECRET`. Without a robot, `HARBOR_USERNAME`/`HARBOR_PASSWORD`, then Docker's
 * chain. A project robot may push only under its project's path (`harbor.example.com/ci/app`):
 * elsewhere Harbor refuses it, and `refusalHint` says so.
 */
export interface HarborAdapterOptions {
  /** Hosts this adapter owns (default: HARBOR_HOST, comma-separated). */
  hosts?: readonly string[];
  /** The host that serves the API, when it is not the registry's name (a proxy, the tests). */
  apiHost?: string;
  /** Where the hosts and credentials are read from (default: the process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Asked when the environment has no credentials: Docker's config.json chain, in the hoist CLI. */
  fallback?: Pick<RegistryAdapter, 'resolveCredentials'>;
}

const ROBOT_PREFIX = 'robot$';

/** A robot's full name from what a user wrote: `ci+push` and `robot$ci+push` are one robot. */
export function robotName(name: string): string {
  return name.startsWith(ROBOT_PREFIX) ? name : `${ROBOT_PREFIX}${name}`;
}

/** Harbor's refusal of a robot's push, in Harbor's terms: its project, then its permission. */
export function robotHint(refusal: AccessRefusal, robot: string): string | undefined {
  if (!refusal.credentialsAccepted || refusal.action !== 'push' || !refusal.repository) return undefined;
  const project = /^robot\$([^+]+)\+/.exec(robot)?.[1];
  if (project && refusal.repository.split('/')[0] !== project) return `${robot} is a robot of project ${project}: it pushes only under ${project}/`;
  return `give ${robot} the push permission${project ? ` in project ${project}` : ''}`;
}

export function harborAdapter(options: HarborAdapterOptions = {}): RegistryAdapter {
  const env = options.env ?? process.env;
  const configured = options.hosts ?? (env['HARBOR_HOST'] ?? '').split(',');
  const hosts = new Set(configured.map((host) => host.trim().toLowerCase()).filter((host) => host.length > 0));
  return {
    name: 'harbor',
    matches: (registry) => hosts.has(registry.toLowerCase()),
    ...(options.apiHost ? { apiHost: () => options.apiHost! } : {}),
    async resolveCredentials(registry: string, context: CredentialContext): Promise<Credential | undefined> {
      const robot = env['HARBOR_ROBOT'];
      const secret = env['HARBOR_ROBOT_SECRET'];
      if (robot && secret) return { kind: 'basic', username: robotName(robot), password: secret, source: 'HARBOR_ROBOT and HARBOR_ROBOT_SECRET' };
      const username = env['HARBOR_USERNAME'];
      const password = env['HARBOR_PASSWORD'];
      if (username && password) return { kind: 'basic', username, password, source: 'HARBOR_USERNAME and HARBOR_PASSWORD' };
      return options.fallback?.resolveCredentials(registry, context);
    },
    // Harbor takes chunked and monolithic uploads alike, and mounts between projects the robot can read.
    capabilities: () => ({ ...DEFAULT_CAPABILITIES }),
    refusalHint: (refusal) => (env['HARBOR_ROBOT'] && env['HARBOR_ROBOT_SECRET'] ? robotHint(refusal, robotName(env['HARBOR_ROBOT'])) : undefined),
  };
}

/** What hoist calls when it loads this package as a plugin: the run's environment and Docker's chain. */
export default function create(options: AdapterFactoryOptions): RegistryAdapter {
  return harborAdapter({ env: options.env, fallback: options.fallback });
}
