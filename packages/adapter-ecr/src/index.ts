import type { ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';
import type { ECRPUBLICClient } from '@aws-sdk/client-ecr-public';
import { DEFAULT_CAPABILITIES, isPushError, PushError, type Credential, type CredentialContext, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';
import { ecrError, isImmutableTagRefusal } from './errors.js';
import { parseEcrHost } from './hosts.js';

/**
 * Amazon ECR, private registries and ECR Public. Credentials come from the AWS SDK's default
 * chain (environment, profile, SSO, web identity, container and instance metadata):
 * GetAuthorizationToken (ECR's, or ECR Public's in us-east-1) returns `AWS:<password>`, valid
 * 12 hours (its `expiresAt`, which the credential carries), cached here until half of that has
 * passed or core asks for a new one; with no AWS credentials at all, the fallback's (a
 * `docker login`). Pushes are monolithic; optionally a
 * private repository the push meets missing is created with CreateRepository.
 */
export const ADAPTER_NAME = 'ecr';

/**
 * ECR's chunked uploads need parts of at least 5 MiB and have been seen dropping PATCH bodies and
 * answering 201 instead of 202, so hoist sends each blob in one PUT. ECR has no cross-repository
 * mounts: a mount request only costs a round trip.
 */
export const ECR_CAPABILITIES: RegistryCapabilities = { ...DEFAULT_CAPABILITIES, upload: 'monolithic', mount: false };

export interface EcrAdapterOptions {
  /** Extra SDK client settings (an endpoint for a VPC endpoint or a test double, credentials); for both clients. */
  clientConfig?: Omit<ECRClientConfig, 'region'>;
  /** Create a repository the push meets missing (`--create-repository`). */
  createRepository?: { imageTagMutability?: 'MUTABLE' | 'IMMUTABLE'; scanOnPush?: boolean };
  now?: () => number;
  /**
   * Where credentials come from when the AWS chain finds none at all (a `docker login` the
   * pipeline did itself): the generic adapter's credential chain, usually.
   */
  fallback?: Pick<RegistryAdapter, 'resolveCredentials'>;
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

  let publicClient: Promise<ECRPUBLICClient> | undefined;
  const authorizationData = async (registry: string, context: CredentialContext): Promise<{ authorizationToken?: string; expiresAt?: Date } | undefined> => {
    const host = parseEcrHost(registry)!;
    if (host.public) {
      const { ECRPUBLICClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr-public');
      publicClient ??= Promise.resolve(new ECRPUBLICClient({ ...options.clientConfig, region: host.region }));
      return (await (await publicClient).send(new GetAuthorizationTokenCommand({}), { abortSignal: context.signal })).authorizationData;
    }
    const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
    return (await (await client(host.region)).send(new GetAuthorizationTokenCommand({ registryIds: [host.account] }), { abortSignal: context.signal })).authorizationData?.[0];
  };

  const fetchToken = async (registry: string, context: CredentialContext): Promise<CachedToken> => {
    try {
      const data = await authorizationData(registry, context);
      const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new PushError('PROTOCOL', `ECR GetAuthorizationToken for ${registry} returned no usable token`);
      const expiresAt = data?.expiresAt?.getTime() ?? now() + 12 * 3_600_000;
      // Half its life: a long pipeline never starts a push with a token about to lapse.
      const refreshAt = now() + (expiresAt - now()) / 2;
      return { credential: { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: 'the AWS SDK (ECR GetAuthorizationToken)', expiresAt }, refreshAt };
    } catch (error) {
      throw ecrError(error, `getting an ECR token for ${registry}`);
    }
  };

  return {
    name: ADAPTER_NAME,
    matches: (registry) => parseEcrHost(registry) !== undefined,
    capabilities: () => ECR_CAPABILITIES,
    isImmutableTagRefusal,
    async resolveCredentials(registry, context) {
      context.signal?.throwIfAborted();
      const cached = tokens.get(registry);
      const current = cached ? await cached.catch(() => undefined) : undefined;
      // Core asks again when the token it holds expires or was refused: that token is not handed back.
      if (current && current.refreshAt > now() && !context.refresh) return current.credential;
      const fresh = fetchToken(registry, context);
      tokens.set(registry, fresh);
      try {
        return (await fresh).credential;
      } catch (error) {
        tokens.delete(registry);
        const fallback = isPushError(error) && error.detail === 'CredentialsProviderError' ? await options.fallback?.resolveCredentials(registry, context) : undefined;
        if (fallback) return fallback;
        throw error;
      }
    },
    ...(options.createRepository
      ? {
          async createRepository(registry: string, repository: string, context: CredentialContext): Promise<boolean> {
            const host = parseEcrHost(registry)!;
            // ECR Public repositories carry catalog data and are created deliberately, not by a push.
            if (host.public) return false;
            const { account, region } = host;
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
