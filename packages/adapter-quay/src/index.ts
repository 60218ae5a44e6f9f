import { DEFAULT_CAPABILITIES, PushError, type AccessRefusal, type AdapterFactoryOptions, type Credential, type CredentialContext, type RegistryAdapter } from '@hoist/core';

/**
 * hoist's adapter for Quay: quay.io, and the Red Hat Quay hosts `QUAY_HOST` names
 * (comma-separated). A pipeline pushes as a robot account, `ORGANIZATION+NAME`, with its token
 * (`QUAY_ROBOT`, `QUAY_ROBOT_TOKEN`); else an OAuth application token (`QUAY_OAUTH_TOKEN`, sent
 * as Quay's `$oauthtoken` user); else `QUAY_USERNAME`/`QUAY_PASSWORD`; else Docker's chain.
 * Quay answers a push to a repository the robot may not create with 401 "not authorized", the
 * same words as for a wrong password: `refusalHint` says which it is and what to do.
 */
export interface QuayAdapterOptions {
  /** Hosts this adapter owns (default: quay.io and those QUAY_HOST names). */
  hosts?: readonly string[];
  /** The host that serves the API, when it is not the registry's name (a mirror, the tests). */
  apiHost?: string;
  /** Where the hosts and credentials are read from (default: the process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Asked when the environment has none: Docker's config.json chain, in the hoist CLI. */
  fallback?: Pick<RegistryAdapter, 'resolveCredentials'>;
}

/** The user name Quay takes with an OAuth application token as the password. */
export const OAUTH_TOKEN_USER = '$oauthtoken';

/** A robot's full name, `acme+ci`: Quay knows robots by their organization (or user) and name. */
export function robotName(name: string): string {
  if (/^[^+\s]+\+[^+\s]+$/.test(name)) return name;
  throw new PushError('USAGE', `QUAY_ROBOT is "${name}": give the robot's full name, ORGANIZATION+NAME, as Quay shows it (acme+ci)`);
}

export function quayAdapter(options: QuayAdapterOptions = {}): RegistryAdapter {
  const env = options.env ?? process.env;
  const configured = options.hosts ?? ['quay.io', ...(env['QUAY_HOST'] ?? '').split(',')];
  const hosts = new Set(configured.map((host) => host.trim().toLowerCase()).filter((host) => host.length > 0));
  return {
    name: 'quay',
    matches: (registry) => hosts.has(registry.toLowerCase()),
    ...(options.apiHost ? { apiHost: () => options.apiHost! } : {}),
    async resolveCredentials(registry: string, context: CredentialContext): Promise<Credential | undefined> {
      const robot = env['QUAY_ROBOT'];
      const token = env['QUAY_ROBOT_TOKEN'];
      // Half a robot is a pipeline's binding gone missing: better said now than as a 401 later.
      if (Boolean(robot) !== Boolean(token)) throw new PushError('USAGE', `${robot ? 'QUAY_ROBOT_TOKEN' : 'QUAY_ROBOT'} is not set, but ${robot ? 'QUAY_ROBOT' : 'QUAY_ROBOT_TOKEN'} is: set both, or neither`);
      if (robot && token) return { kind: 'basic', username: robotName(robot), password: token, source: 'QUAY_ROBOT and QUAY_ROBOT_TOKEN' };
      const oauth = env['QUAY_OAUTH_TOKEN'];
      if (oauth) return { kind: 'basic', username: OAUTH_TOKEN_USER, password: oauth, source: 'QUAY_OAUTH_TOKEN' };
      const username = env['QUAY_USERNAME'];
      const password = env['QUAY_PASSWORD'];
      if (username && password) return { kind: 'basic', username, password, source: 'QUAY_USERNAME and QUAY_PASSWORD' };
      return options.fallback?.resolveCredentials(registry, context);
    },
    // Quay takes monolithic and chunked uploads, and mounts from repositories the robot can read.
    capabilities: () => ({ ...DEFAULT_CAPABILITIES }),
    refusalHint: pushRefusalHint,
  };
}

/** Quay's token service grants no push, without a word, for a repository that does not exist yet. */
export function pushRefusalHint(refusal: AccessRefusal): string | undefined {
  if (refusal.status !== 401 || !refusal.credentialsAccepted || refusal.action !== 'push' || !refusal.repository) return undefined;
  const organization = refusal.repository.split('/')[0]!;
  return `Quay says so too when ${refusal.repository} does not exist: create it (or give the robot's team the Creator role in ${organization}), then give the robot Write on it`;
}

/** What hoist calls when it loads this package as a plugin: the run's environment and Docker's chain. */
export default function create(options: AdapterFactoryOptions): RegistryAdapter {
  return quayAdapter({ env: options.env, fallback: options.fallback });
}
