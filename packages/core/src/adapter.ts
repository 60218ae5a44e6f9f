/**
 * A RegistryAdapter answers "who is this registry, which credentials, which quirks?"; core runs
 * the protocol. Adapters ignore hosts they do not own, so several can be chained and the first
 * that matches a host wins (as go-containerregistry's keychains do).
 */

/**
 * What an adapter may hand core for a registry host. `source` says where it was found, for the
 * message a user reads when the registry refuses it: `--password-env REG_PASS`,
 * `/home/ci/.docker/config.json`, `docker-credential-pass`, `the AWS SDK`. Never the secret.
 */
export type Credential = (
  /** Username and password (or access token used as password), sent as Basic or to a token realm. */
  | { kind: 'basic'; username: string; password: string }
  /** An identity (refresh) token: exchanged at the token realm with `grant_type=refresh_token`. */
  | { kind: 'identity-token'; token: string; username?: string }
  /** A ready bearer token, sent as it is on every request. */
  | { kind: 'bearer'; token: string }
) & {
  source?: string;
  /**
   * When the credential stops working (epoch ms), if the adapter knows: an ECR token's
   * `expiresAt`, a Google access token's expiry, the `exp` of an ACR refresh token. Core asks the
   * adapter again shortly before (`refresh: 'expiring'`), so a push or sync that outlives the
   * credential is not refused half way. Without it, core asks again only when a registry
   * answers 401 to the credential after having taken it.
   */
  expiresAt?: number;
};

export type UploadStrategy = 'monolithic' | 'chunked';

/** Registry quirks as data, read by the engine (regclient's `config.Host` idea). */
export interface RegistryCapabilities {
  /** `monolithic`: POST then one streamed PUT per blob. `chunked`: PATCH parts, then PUT. */
  upload: UploadStrategy;
  /** Preferred chunk size for chunked uploads, in bytes (default DEFAULT_CHUNK_SIZE). */
  chunkSize?: number;
  /** Hard upper bound on a chunk; the engine never sends a larger PATCH. */
  maxChunkSize?: number;
  /** Cross-repository blob mounts: `false` never tries them. */
  mount: boolean;
  /** Upper bound on concurrent blob uploads to this registry (the user's setting is capped by it). */
  maxConcurrency?: number;
}

/** A registry's refusal as the engine received it: HTTP status, OCI error code and message. */
export interface RegistryRefusal {
  status: number;
  code: string;
  message: string;
}

/** A 401 or 403 to a request made with credentials, as an adapter's `refusalHint` sees it. */
export interface AccessRefusal {
  status: number;
  /** The repository the request was for, and what it asked to do there. */
  repository?: string;
  action?: 'push' | 'pull';
  /** The registry (or its token service) took the credentials and still said no. */
  credentialsAccepted: boolean;
}

export interface CredentialContext {
  signal?: AbortSignal;
  /**
   * Set when core asks again for a registry it already holds a credential for: `expiring`, the
   * credential's `expiresAt` is near; `refused`, the registry (or its token service) answered 401
   * to a credential it had taken before. Either way return a new credential, never one from a
   * cache: the old one handed back would fail the push. Core asks once per expiry or refusal,
   * for all the requests to the registry at that moment.
   */
  refresh?: 'expiring' | 'refused';
  /**
   * HTTP through the push's own transport (its TLS settings, proxies and name resolution), for
   * an adapter that trades a cloud token for a registry one at the registry itself (ACR's
   * /oauth2/exchange). Bodies are read up to 64 KiB.
   */
  fetch?: (url: URL, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }) => Promise<{ status: number; body: string }>;
}

export interface RegistryAdapter {
  /** Short name for messages and events, e.g. `generic`, `ecr`. */
  readonly name: string;
  /** True when this adapter owns the registry host (`host[:port]`, lower-case). */
  matches(registry: string): boolean;
  /**
   * The host that serves the distribution API for a registry name, when it differs
   * (Docker Hub: `docker.io` is served by `registry-1.docker.io`).
   */
  apiHost?(registry: string): string;
  /** Credentials for the registry, or undefined for anonymous access. */
  resolveCredentials(registry: string, context: CredentialContext): Promise<Credential | undefined>;
  capabilities(registry: string): RegistryCapabilities;
  /**
   * Called once per repository when the registry answers NAME_UNKNOWN to a push (ECR, which
   * creates nothing implicitly). Return true after creating the repository and the engine tries
   * again; false (or no method) to fail with the registry's error.
   */
  createRepository?(registry: string, repository: string, context: CredentialContext): Promise<boolean>;
  /**
   * True when a refused tag PUT means "this tag exists and the registry does not move tags here"
   * (ECR's immutable tags). The engine then looks at the tag: naming this very manifest (a
   * pipeline run again) it counts as pushed; naming another, the push fails with TAG_IMMUTABLE.
   */
  isImmutableTagRefusal?(refusal: RegistryRefusal): boolean;
  /**
   * What a response's headers say that a user should see (Docker Hub's rate-limit headers):
   * the engine reports it as a `registry-info` event whenever it changes.
   */
  responseInfo?(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> | undefined;
  /**
   * What to do about a refusal on this service, in its own terms, added to the message a user
   * reads (Quay: a repository that does not exist reads as "not authorized"; GHCR: a workflow's
   * token needs `packages: write`). Undefined when there is nothing to add.
   */
  refusalHint?(refusal: AccessRefusal): string | undefined;
}

/**
 * What a plugin's factory is given (a package's default export, or `--adapter`'s): the
 * environment of the run, the Docker-style credential chain to fall back on when the
 * registry's own way finds nothing, and whether the user asked for missing repositories
 * to be created.
 */
export interface AdapterFactoryOptions {
  env: NodeJS.ProcessEnv;
  /** The generic adapter: Docker's config.json, credential helpers, `--username` and friends. */
  fallback: RegistryAdapter;
  createRepository: boolean;
}

/** A plugin's default export: an adapter, or a (possibly async) function that makes one. */
export type AdapterFactory = (options: AdapterFactoryOptions) => RegistryAdapter | Promise<RegistryAdapter>;

export const DEFAULT_CAPABILITIES: RegistryCapabilities = { upload: 'monolithic', mount: true };

/** The PATCH size of a chunked upload whose adapter names none (capped by its `maxChunkSize`). */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** The first adapter that matches the host; callers put a catch-all (generic) adapter last. */
export function selectAdapter(adapters: readonly RegistryAdapter[], registry: string): RegistryAdapter | undefined {
  return adapters.find((adapter) => adapter.matches(registry));
}
