import type { Credential } from '../adapter.js';
import { credentialOwner, noCredentialsHint } from './access-notes.js';
import type { Challenge } from './challenge.js';
import { PushError } from '../errors.js';
import { redactUrl } from './redact.js';
import { isLoopbackHost, readLimitedText, type Transport } from './transport.js';

/**
 * The bearer-token half of the distribution auth dance (distribution "token authentication"
 * spec): a token per scope set, fetched anonymously, with Basic credentials, or by the OAuth2
 * refresh-token grant when the credential is an identity token; cached until shortly before it
 * expires.
 */
export function repositoryScope(repository: string, actions: readonly ('pull' | 'push')[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** Tokens without `expires_in` live 60 s (token spec); refresh a little early. */
const DEFAULT_TOKEN_LIFETIME_S = 60;
const EXPIRY_MARGIN_MS = 10_000;
const CLIENT_ID = 'hoist';

interface TokenResponse {
  token?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  credential: Credential | undefined;
}

/**
 * Tokens by scope, each served until shortly before it expires, and only to requests signed with
 * the credential it was fetched with: once a registry's credential is replaced (it expired, or
 * was refused), the tokens the old one earned are dropped with it.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string, credential: Credential | undefined): string | undefined {
    const entry = this.tokens.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    // A request still signed with the old credential does not delete the new one's token.
    return entry.credential === credential ? entry.token : undefined;
  }

  set(key: string, token: string, lifetimeSeconds: number, credential: Credential | undefined): void {
    const lifetimeMs = Math.max(lifetimeSeconds * 1000 - EXPIRY_MARGIN_MS, 0);
    this.tokens.set(key, { token, expiresAt: this.now() + lifetimeMs, credential });
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }
}

export interface TokenRequest {
  transport: Transport;
  challenge: Challenge;
  /** The registry's base URL: a realm may not downgrade its scheme. */
  registryUrl: URL;
  scopes: readonly string[];
  credential: Credential | undefined;
  signal?: AbortSignal;
}

export async function fetchToken(req: TokenRequest): Promise<{ token: string; lifetimeSeconds: number }> {
  const realm = realmUrl(req);
  const service = req.challenge.params['service'];
  const credential = req.credential;
  const res =
    credential?.kind === 'identity-token'
      ? await req.transport.request({
          method: 'POST',
          url: realm,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: refreshTokenForm(credential.token, service, req.scopes),
          signal: req.signal,
        })
      : await req.transport.request({
          method: 'GET',
          url: tokenQueryUrl(realm, service, req.scopes),
          headers: credential?.kind === 'basic' ? { authorization: basicAuthorization(credential) } : {},
          signal: req.signal,
        });

  const text = await readLimitedText(res.body);
  if (res.status === 401 || res.status === 403) {
    const refused = credential ? `the credentials of ${credentialOwner(credential)}` : `anonymous access (${noCredentialsHint(req.registryUrl.host)})`;
    throw new PushError('UNAUTHORIZED', `registry ${req.registryUrl.host} refused ${refused} at its token service ${redactUrl(realm)} (HTTP ${res.status})`, {
      status: res.status,
    });
  }
  if (res.status !== 200) {
    throw new PushError('UNAUTHORIZED', `token service ${redactUrl(realm)} answered HTTP ${res.status}`, { status: res.status });
  }
  let body: TokenResponse;
  try {
    body = JSON.parse(text) as TokenResponse;
  } catch {
    throw new PushError('PROTOCOL', `token service ${redactUrl(realm)} answered with something other than JSON`);
  }
  const token = typeof body.token === 'string' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new PushError('PROTOCOL', `token service ${redactUrl(realm)} answered without a token`);
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_S;
  return { token, lifetimeSeconds: expiresIn };
}

export function basicAuthorization(credential: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

function realmUrl(req: TokenRequest): URL {
  const realm = req.challenge.params['realm'];
  let url: URL;
  try {
    url = new URL(realm ?? '');
  } catch {
    throw new PushError('PROTOCOL', `registry ${req.registryUrl.host} sent a Bearer challenge without a usable realm`);
  }
  if (req.registryUrl.protocol === 'https:' && url.protocol !== 'https:') {
    throw new PushError('INSECURE_TRANSPORT', `refusing token realm ${redactUrl(url)}: it downgrades the registry's https to ${url.protocol}`);
  }
  // A plain-HTTP registry is trusted with credentials only on loopback; its realm no further.
  if (url.protocol === 'http:' && req.credential && !isLoopbackHost(url.host)) {
    throw new PushError('INSECURE_TRANSPORT', `refusing to send credentials to token realm ${redactUrl(url)} over plain HTTP`);
  }
  return url;
}

function tokenQueryUrl(realm: URL, service: string | undefined, scopes: readonly string[]): URL {
  const url = new URL(realm);
  if (service !== undefined) url.searchParams.append('service', service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  return url;
}

function refreshTokenForm(refreshToken: string, service: string | undefined, scopes: readonly string[]): string {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID });
  if (service !== undefined) form.set('service', service);
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  return form.toString();
}
