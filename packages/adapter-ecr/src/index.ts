import type { ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';
import { DEFAULT_CAPABILITIES, PushError, type Credential, type CredentialContext, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';
import { ecrError } from './errors.js';
import { parseEcrHost } from './hosts.js';

/**
 * Amazon ECR. Credentials come from the AWS SDK's default chain (environment, profile, SSO, web
 * identity, container and instance metadata): GetAuthorizationToken returns `AWS:<password>`,
 * valid 12 hours, cached here until half of that has passed. Pushes are monolithic; optionally
 * a repository the push meets missing is created with CreateRepository.
 */
export const ADAPTER_NAME = 'ecr';

/**
 * ECR's chunked uploads need parts of at least 5 MiB and have been seen dropping PATCH bodies and
 * answering 201 instead of 202, so hoist sends each blob in one PUT. ECR has no cross-repository
 * mounts: a mount request only costs a round trip.
 */
export const ECR_CAPABILITIES: RegistryCapabilities = { ...DEFAULT_CAPABILITIES, upload: 'monolithic', mount: false };

export interface EcrAdapterOptions {
  /** Extra SDK client settings (an endpoint for a VPC endpoint or a test double, credentials). */
  clientConfig?: Omit<ECRClientConfig, 'region'>;
  /** Create a repository the push meets missing (`--create-repository`). */
  createRepository?: { imageTagMutability?: 'MUTABLE' | 'IMMUTABLE'; scanOnPush?: boolean };
  now?: () => number;
}

interface CachedToken {
  credential: Credential;
  refreshAt: number;
}

export function ecrAdapter(options: EcrAdapterOptions = {}): RegistryAdapter {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, Promise<CachedToken>>();
  const clients = new Map<string, Promise<ECRClient>>();

  // The SDK loads only when an ECR host is pushed to: `hoist --version` and pushes elsewhere never pay for it.
  const client = (region: string): Promise<ECRClient> => {
    let made = clients.get(region);
    if (!made) {
      made = import('@aws-sdk/client-ecr').then(({ ECRClient }) => new ECRClient({ ...options.clientConfig, region }));
      clients.set(region, made);
    }
    return made;
  };

  const fetchToken = async (registry: string, context: CredentialContext): Promise<CachedToken> => {
    const { account, region } = parseEcrHost(registry)!;
    const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
    try {
      const answer = await (await client(region)).send(new GetAuthorizationTokenCommand({ registryIds: [account] }), { abortSignal: context.signal });
      const data = answer.authorizationData?.[0];
      const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new PushError('PROTOCOL', `ECR GetAuthorizationToken for ${registry} returned no usable token`);
      const expiresAt = data?.expiresAt?.getTime() ?? now() + 12 * 3_600_000;
      // Half its life: a long pipeline never starts a push with a token about to lapse.
      const refreshAt = now() + (expiresAt - now()) / 2;
      return { credential: { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, refreshAt };
    } catch (error) {
      throw ecrError(error, `getting an ECR token for ${registry}`);
    }
  };

  return {
    name: ADAPTER_NAME,
    matches: (registry) => parseEcrHost(registry) !== undefined,
    capabilities: () => ECR_CAPABILITIES,
    async resolveCredentials(registry, context) {
      const cached = tokens.get(registry);
      const current = cached ? await cached.catch(() => undefined) : undefined;
      if (current && current.refreshAt > now()) return current.credential;
      const fresh = fetchToken(registry, context);
      tokens.set(registry, fresh);
      try {
        return (await fresh).credential;
      } catch (error) {
        tokens.delete(registry);
        throw error;
      }
    },
    ...(options.createRepository
      ? {
          async createRepository(registry: string, repository: string, context: CredentialContext): Promise<boolean> {
            const { account, region } = parseEcrHost(registry)!;
            const { CreateRepositoryCommand } = await import('@aws-sdk/client-ecr');
            try {
              await (await client(region)).send(
                new CreateRepositoryCommand({
                  registryId: account,
                  repositoryName: repository,
                  imageTagMutability: options.createRepository!.imageTagMutability ?? 'MUTABLE',
                  imageScanningConfiguration: { scanOnPush: options.createRepository!.scanOnPush ?? false },
                }),
                { abortSignal: context.signal },
              );
              return true;
            } catch (error) {
              // Another pipeline created it a moment ago: just as good.
              if ((error as { name?: string }).name === 'RepositoryAlreadyExistsException') return true;
              throw ecrError(error, `creating ECR repository ${repository}`);
            }
          },
        }
      : {}),
  };
}

export { parseEcrHost } from './hosts.js';
