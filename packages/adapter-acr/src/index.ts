import type { TokenCredential } from '@azure/identity';
import { DEFAULT_CAPABILITIES, PushError, type Credential, type CredentialContext, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';
import { refreshTokenExpiry } from './refresh-token.js';

/**
 * Azure Container Registry (`*.azurecr.io`, and the sovereign clouds' `.azurecr.cn`,
 * `.azurecr.us`). An Entra ID (AAD) token for the registry resource, from DefaultAzureCredential
 * (environment service principal, workload identity, managed identity, Azure CLI) or a credential
 * given, is exchanged at the registry's `/oauth2/exchange` for an ACR refresh token; core's
 * refresh-token grant at the registry's realm turns that into access tokens. The refresh token
 * carries its expiry (three hours); every ask exchanges anew, so core's renewal gets a new one
 * (the SDK renews the Entra token under it by itself). Admin users and repository-scoped tokens
 * are plain Basic credentials from the fallback (the generic adapter's chain), used when no
 * Azure identity is available.
 */
export const ADAPTER_NAME = 'acr';
/** The username ACR expects with a refresh token. */
export const ACR_REFRESH_USERNAME = '00000000-0000-0000-0000-000000000000';
export const ACR_SCOPE = 'https://containerregistry.azure.net/.default';

const ACR_HOST = /^[a-z0-9]+\.azurecr\.(io|cn|us)(:\d+)?$/;

/** ACR wants Content-Length on every upload request, which monolithic PUTs always carry. */
export const ACR_CAPABILITIES: RegistryCapabilities = { ...DEFAULT_CAPABILITIES, upload: 'monolithic' };

export interface AcrAdapterOptions {
  /** An @azure/identity credential; DefaultAzureCredential when left out. */
  credential?: TokenCredential;
  /** The Entra ID scope (a sovereign cloud's registry resource, say). */
  scope?: string;
  /** Where `/oauth2/exchange` is served, when not at the registry itself (a test double). */
  exchangeOrigin?: string;
  /**
   * Where credentials come from when no Azure identity is available at all: the generic
   * adapter's chain, which holds admin users and repository-scoped tokens (`docker login`).
   */
  fallback?: Pick<RegistryAdapter, 'resolveCredentials'>;
}

/** The SDK's errors when no credential in the chain was even available (not: one was refused). */
const NO_IDENTITY = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError']);

export function isAcrHost(registry: string): boolean {
  return ACR_HOST.test(registry.toLowerCase());
}

export function acrAdapter(options: AcrAdapterOptions = {}): RegistryAdapter {
  // The SDK loads only when an ACR host is pushed to.
  let credential: Promise<TokenCredential> | undefined;
  const aad = () => {
    credential ??= options.credential ? Promise.resolve(options.credential) : import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
    return credential;
  };
  return {
    name: ADAPTER_NAME,
    matches: isAcrHost,
    capabilities: () => ACR_CAPABILITIES,
    async resolveCredentials(registry: string, context: CredentialContext): Promise<Credential> {
      context.signal?.throwIfAborted();
      if (!context.fetch) throw new PushError('USAGE', 'the ACR adapter needs an engine that offers fetch to adapters');
      let accessToken: string;
      try {
        const token = await (await aad()).getToken(options.scope ?? ACR_SCOPE, context.signal ? { abortSignal: context.signal } : {});
        if (!token) throw new Error('no token');
        accessToken = token.token;
      } catch (error) {
        const fallback = NO_IDENTITY.has((error as Error | undefined)?.name ?? '') ? await options.fallback?.resolveCredentials(registry, context) : undefined;
        if (fallback) return fallback;
        // The SDK's messages list every credential it tried, with their settings; its name and
        // Entra's AADSTS code (which says what was wrong, never with the secret) are enough here.
        const name = (error as Error | undefined)?.name ?? 'Error';
        const reason = entraReason(error);
        throw new PushError('UNAUTHORIZED', `getting an Entra ID token for ${registry} failed: ${name}${reason ? ` (${reason})` : ''} (set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, use a managed or workload identity, or az login)`, {
          detail: name,
          cause: error,
        });
      }
      const service = registry.split(':')[0]!;
      const url = new URL('/oauth2/exchange', options.exchangeOrigin ?? `https://${registry}`);
      const res = await context.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'access_token', service, access_token: accessToken }).toString(),
      });
      if (res.status !== 200) throw new PushError('UNAUTHORIZED', `ACR refused the Entra ID token for ${registry} at /oauth2/exchange (HTTP ${res.status})`, { status: res.status });
      let refreshToken: unknown;
      try {
        refreshToken = (JSON.parse(res.body) as { refresh_token?: unknown }).refresh_token;
      } catch {
        refreshToken = undefined;
      }
      if (typeof refreshToken !== 'string' || refreshToken === '') throw new PushError('PROTOCOL', `ACR's /oauth2/exchange for ${registry} answered without a refresh token`);
      const expiresAt = refreshTokenExpiry(refreshToken);
      return { kind: 'identity-token', token: refreshToken, username: ACR_REFRESH_USERNAME, source: 'Azure credentials (@azure/identity)', ...(expiresAt ? { expiresAt } : {}) };
    },
  };
}

/** `AADSTS7000215: Invalid client secret provided` out of an AuthenticationError's response. */
function entraReason(error: unknown): string | undefined {
  const description = (error as { errorResponse?: { errorDescription?: unknown } } | undefined)?.errorResponse?.errorDescription;
  return typeof description === 'string' ? /AADSTS\d+: [^.\r\n]*/.exec(description)?.[0] : undefined;
}
