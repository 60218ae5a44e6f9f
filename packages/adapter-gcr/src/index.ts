import type { GoogleAuth, GoogleAuthOptions } from 'google-auth-library';
import { DEFAULT_CAPABILITIES, PushError, type Credential, type RegistryAdapter, type RegistryCapabilities } from '@hoist/core';

/**
 * Google Container Registry (`gcr.io`, `*.gcr.io`) and Artifact Registry (`*-docker.pkg.dev`).
 * Credentials are Application Default Credentials through google-auth-library — a key file
 * named by GOOGLE_APPLICATION_CREDENTIALS, workload identity, the metadata server, gcloud's user
 * credentials — sent as Basic `oauth2accesstoken:<access token>`, with the token's expiry. The
 * library serves its token until five minutes before that; core asks again a minute before, and
 * gets a new one. A token a registry refused is not served again: the library is started anew.
 */
export const ADAPTER_NAME = 'gcr';
export const GCR_USERNAME = 'oauth2accesstoken';
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** A port is tolerated, for mirrors and test doubles. */
const GCR_HOST = /^([a-z0-9-]+\.)?gcr\.io(:\d+)?$/;
const ARTIFACT_REGISTRY_HOST = /^[a-z0-9-]+-docker\.pkg\.dev(:\d+)?$/;

/** Artifact Registry takes blobs in one PUT; chunked uploads are refused there. */
export const GCR_CAPABILITIES: RegistryCapabilities = { ...DEFAULT_CAPABILITIES, upload: 'monolithic' };

export interface GcrAdapterOptions {
  /** google-auth-library settings (a key file, explicit credentials); ADC when left out. */
  auth?: Omit<GoogleAuthOptions, 'scopes'>;
  /**
   * Where credentials come from when there are no Application Default Credentials at all
   * (`gcloud auth configure-docker`'s helper, a `docker login`): the generic adapter's chain.
   */
  fallback?: Pick<RegistryAdapter, 'resolveCredentials'>;
}

/** google-auth-library's words when it found no credentials anywhere (not: found and refused). */
const NO_ADC = /^Could not load the default credentials/;

export function isGoogleRegistry(registry: string): boolean {
  const host = registry.toLowerCase();
  return GCR_HOST.test(host) || ARTIFACT_REGISTRY_HOST.test(host);
}

export function gcrAdapter(options: GcrAdapterOptions = {}): RegistryAdapter {
  // The library loads only when a Google host is pushed to.
  let auth: Promise<GoogleAuth> | undefined;
  const accessToken = async (anew: boolean): Promise<{ token: string | null | undefined; expiresAt: number | undefined }> => {
    if (anew) auth = undefined;
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ ...options.auth, scopes: [CLOUD_PLATFORM_SCOPE] }));
    const client = await (await auth).getClient();
    const { token } = await client.getAccessToken();
    return { token, expiresAt: client.credentials.expiry_date ?? undefined };
  };
  return {
    name: ADAPTER_NAME,
    matches: isGoogleRegistry,
    capabilities: () => GCR_CAPABILITIES,
    async resolveCredentials(registry, context): Promise<Credential> {
      // google-auth-library takes no signal: an aborted push at least asks for nothing more.
      context.signal?.throwIfAborted();
      let token: string | null | undefined;
      let expiresAt: number | undefined;
      try {
        // A refused token would come back from the library's cache until it nears its expiry.
        ({ token, expiresAt } = await accessToken(context.refresh === 'refused'));
      } catch (error) {
        const fallback = NO_ADC.test((error as Error | undefined)?.message ?? '') ? await options.fallback?.resolveCredentials(registry, context) : undefined;
        if (fallback) return fallback;
        // The library's messages can quote file paths and response bodies; its error name and the
        // OAuth error code Google answered with (`invalid_grant`) are enough.
        const name = (error as Error | undefined)?.name ?? 'Error';
        const oauthError = (error as { response?: { data?: { error?: unknown } } } | undefined)?.response?.data?.error;
        const code = typeof oauthError === 'string' && /^[a-z_]+$/.test(oauthError) ? ` (${oauthError})` : '';
        throw new PushError('UNAUTHORIZED', `getting a Google access token for ${registry} failed: ${name}${code} (are Application Default Credentials set up? GOOGLE_APPLICATION_CREDENTIALS, workload identity or gcloud auth application-default login)`, {
          detail: name,
          cause: error,
        });
      }
      if (!token) throw new PushError('UNAUTHORIZED', `Google returned no access token for ${registry}`);
      return { kind: 'basic', username: GCR_USERNAME, password: token, source: 'Google Application Default Credentials', ...(expiresAt ? { expiresAt } : {}) };
    },
  };
}
