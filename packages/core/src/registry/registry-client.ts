import type { AccessRefusal, Credential } from '../adapter.js';
import { noCredentialsHint, refusalNote, requestedAccess } from './access-notes.js';
import { adapterCall } from './adapter-call.js';
import { basicAuthorization, fetchToken, TokenCache } from './auth.js';
import { parseChallenges, type Challenge } from './challenge.js';
import type { CredentialSource } from './credential-source.js';
import { isPushError, PushError } from '../errors.js';
import type { PushEventListener } from '../push/events.js';
import { redactUrl } from './redact.js';
import { RetryBudget } from './retry-budget.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableError, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry-policy.js';
import { registryError } from './registry-error.js';
import { isConnectionRefused, isLoopbackHost, isNotTlsError, type RequestBody, type Transport, type TransportResponse } from './transport.js';

/**
 * One registry host: finds its scheme with a ping of `/v2/`, learns how it wants to be
 * authenticated from the 401 challenge, and signs each request for the scopes it needs.
 * A 401 on a signed request gets one more try: with a fresh token, or with a new credential
 * when the registry refused one it had taken before (CredentialSource).
 */
export interface RegistryClientOptions {
  transport: Transport;
  /** `host[:port]` that serves the distribution API. */
  host: string;
  /** The registry's credential: asked for when the registry first wants one, and again when it expires or is refused. */
  credentials: CredentialSource;
  /** Use plain HTTP without trying TLS first (the user named this host with --plain-http). */
  plainHttp: boolean;
  tokens?: TokenCache;
  /**
   * What the ping of each host found (scheme, how it authenticates), shared by the clients of a
   * plan: fifty images pushed to one registry ping it once, not fifty times.
   */
  pings?: Map<string, Promise<Connection>>;
  retryPolicy?: RetryPolicy;
  budget?: RetryBudget;
  onEvent?: PushEventListener;
  /** Sees the headers of every response from the registry. */
  onResponse?: (headers: TransportResponse['headers']) => void;
  /** Told every bearer token fetched, so that whoever prints can mask it (a registry may echo it). */
  onSecret?: (secret: string) => void;
  /** The adapter's word on a 401 or 403 to credentials it gave, added to the refusal's note. */
  refusalHint?: (refusal: AccessRefusal) => string | undefined;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the registry's base URL, or an absolute URL such as an upload Location. */
  target: string | URL;
  scopes: readonly string[];
  headers?: Record<string, string>;
  /** Called for every attempt, so a re-authenticated request sends a fresh body. */
  body?: () => RequestBody;
  signal?: AbortSignal;
  /**
   * False for requests bound to an upload session (its PATCH and PUT): a failed one cannot be
   * repeated blindly, so the caller restarts the whole blob with a fresh session instead.
   */
  retry?: boolean;
}

type AuthMode = { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; challenge: Challenge };
/** A request's Authorization, and the credential behind it (none for an anonymous token or an unsigned request). */
interface Signature {
  authorization?: string;
  credential?: Credential;
}
export interface Connection {
  base: URL;
  auth: AuthMode;
}

export class RegistryClient {
  readonly host: string;
  private readonly transport: Transport;
  private readonly tokens: TokenCache;
  /**
   * Token fetches under way, by scope: the requests that need a token at the same moment (four
   * blob mounts starting together) wait for one fetch instead of each asking the token service,
   * which registries such as Docker Hub rate-limit. Each with the credential it was asked with:
   * a request signed with a newer one does not wait for a token the old one may not get.
   */
  private readonly fetching = new Map<string, { credential: Credential | undefined; token: Promise<string> }>();
  private readonly credentials: CredentialSource;
  private readonly plainHttp: boolean;
  private readonly policy: RetryPolicy;
  private readonly budget: RetryBudget;
  private readonly emit: PushEventListener;
  private readonly onResponse: ((headers: TransportResponse['headers']) => void) | undefined;
  private readonly onSecret: ((secret: string) => void) | undefined;
  private readonly refusalHint: ((refusal: AccessRefusal) => string | undefined) | undefined;
  private readonly pings: Map<string, Promise<Connection>> | undefined;
  private connected: Promise<Connection> | undefined;
  /** The registry answered this run once: a refused connection since then is a restart, worth waiting out. */
  private answered = false;

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    this.transport = options.transport;
    this.tokens = options.tokens ?? new TokenCache();
    this.pings = options.pings;
    this.credentials = options.credentials;
    this.plainHttp = options.plainHttp;
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.budget = options.budget ?? new RetryBudget(undefined);
    this.emit = options.onEvent ?? (() => {});
    this.onResponse = options.onResponse;
    this.onSecret = options.onSecret;
    this.refusalHint = options.refusalHint;
  }

  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  get retryBudget(): RetryBudget {
    return this.budget;
  }

  /**
   * Sends a request, retrying transient failures (network errors, 408/429/5xx) with backoff
   * unless `retry` is false. A response still failing after the last attempt is returned for the
   * caller to turn into an error; a network error is thrown.
   */
  async send(req: RegistryRequest): Promise<TransportResponse> {
    const retries = req.retry === false ? 0 : this.policy.retries;
    for (let attempt = 0; ; attempt++) {
      await this.budget.waitForHost(this.host, req.signal);
      this.budget.checkTime(`${req.method} on ${this.host}`);
      let res: TransportResponse;
      try {
        res = await this.sendOnce(req);
      } catch (error) {
        // Stopped from outside (a signal, the time limit): another attempt would stop the same way.
        // A registry that refused its first connection is not there (a wrong port, a registry
        // not started): five more refusals say nothing new.
        if (attempt >= retries || !isRetryableError(error) || req.signal?.aborted || (isConnectionRefused(error) && !this.answered)) throw error;
        await this.backOff(req, attempt, (error as Error).message, backoffDelay(this.policy, attempt));
        continue;
      }
      if (attempt >= retries || !isRetryableStatus(res.status)) return res;
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      await res.body.dump();
      // dump() ends quietly when a signal cuts the body short: the request ends here, and says why.
      if (req.signal?.aborted) throw res.body.errored ?? req.signal.reason;
      if (retryAfter !== undefined) {
        const what = `${this.describe(req)} answered HTTP ${res.status} with Retry-After`;
        if (retryAfter > this.policy.maxRetryAfterMs) {
          throw new PushError('TOOMANYREQUESTS', `${what} ${Math.round(retryAfter / 1000)} s, longer than the ${Math.round(this.policy.maxRetryAfterMs / 1000)} s hoist waits`, { status: res.status });
        }
        this.budget.checkWait(retryAfter, what);
        // "Slow down" is about the host, not this one request.
        this.budget.pauseHost(this.host, retryAfter);
      }
      await this.backOff(req, attempt, `HTTP ${res.status}`, retryAfter ?? backoffDelay(this.policy, attempt));
    }
  }

  private async backOff(req: RegistryRequest, attempt: number, reason: string, waitMs: number): Promise<void> {
    this.budget.checkWait(waitMs, `${this.describe(req)} failed (${reason})`);
    this.emit({ type: 'retry', registry: this.host, request: this.describe(req), reason, attempt: attempt + 1, attempts: this.policy.retries + 1, waitMs });
    await sleep(waitMs, req.signal);
  }

  private describe(req: RegistryRequest): string {
    const path = typeof req.target === 'string' ? req.target.split('?')[0] : redactUrl(req.target);
    return `${req.method} ${path}`;
  }

  private async sendOnce(req: RegistryRequest): Promise<TransportResponse> {
    const { base, auth } = await this.connect(req.signal);
    this.answered = true;
    const url = typeof req.target === 'string' ? new URL(req.target, base) : req.target;
    // Credentials belong to the registry's origin only: an upload Location elsewhere gets none.
    const sameOrigin = url.origin === base.origin;
    const attempt = async (fresh: boolean): Promise<{ res: TransportResponse; credential: Credential | undefined }> => {
      const { authorization, credential } = sameOrigin ? await this.authorization(base, auth, req.scopes, fresh, req.signal) : {};
      const res = await this.transport.request({
        method: req.method,
        url,
        headers: { ...req.headers, ...(authorization ? { authorization } : {}) },
        body: req.body?.(),
        signal: req.signal,
      });
      return { res, credential };
    };
    let { res, credential } = await attempt(false);
    if (sameOrigin) this.onResponse?.(res.headers);
    if (!sameOrigin || auth.scheme === 'none') return res;
    if (res.status === 401 && this.triesAgainAfter401(auth, credential)) {
      await res.body.dump();
      ({ res, credential } = await attempt(true));
    }
    // A 5xx or 429 may come from before the registry looked at the credential; any other answer but 401 took it.
    if (res.status < 500 && res.status !== 401 && res.status !== 429) this.credentials.worked(credential);
    if (res.status === 401 || res.status === 403) res.refusal = this.refusalOf(res.status, req.scopes, auth.scheme === 'bearer', credential);
    return res;
  }

  private triesAgainAfter401(auth: AuthMode, credential: Credential | undefined): boolean {
    // A credential sent as it is (Basic, a ready bearer token) is what was refused: a new one, if it had worked.
    const renewed = (auth.scheme === 'basic' || credential?.kind === 'bearer') && this.credentials.refused(credential);
    // A token fetched for the request may have lapsed or been revoked: a fresh one.
    return renewed || auth.scheme === 'bearer';
  }

  /** The token issued for `scopes` while it is fresh (none with Basic auth or no auth), for a caller that reads what it grants. */
  issuedToken(scopes: readonly string[]): string | undefined {
    return this.tokens.get(scopes.join(' '), this.credentials.held);
  }

  /** What a 401 or 403 to a request for `scopes` means: whose credentials, found where, and the adapter's word. */
  async describeRefusal(status: number, scopes: readonly string[], tokenIssued: boolean): Promise<string> {
    return this.refusalOf(status, scopes, tokenIssued, await this.credentials.current());
  }

  private refusalOf(status: number, scopes: readonly string[], tokenIssued: boolean, credential: Credential | undefined): string {
    // A token service that issued a token accepted the credentials; so did a registry that says 403.
    const credentialsAccepted = status === 403 || tokenIssued;
    const note = refusalNote(this.host, scopes, credential, credentialsAccepted);
    const hint = credential ? this.refusalHint?.({ status, ...requestedAccess(scopes), credentialsAccepted }) : undefined;
    return hint ? `${note}; ${hint}` : note;
  }

  private connect(signal?: AbortSignal): Promise<Connection> {
    if (!this.connected) {
      // --plain-http changes what a ping finds, so it is part of what is shared.
      const key = `${this.plainHttp ? 'http' : 'any'}://${this.host}`;
      const shared = this.pings?.get(key);
      // Another image's ping may fail for that image's own reasons (it was stopped): then ping anew.
      const connecting = shared ? shared.catch(() => this.ping(signal)) : this.ping(signal);
      this.connected = connecting;
      if (!shared) this.pings?.set(key, connecting);
      // A failed ping (registry restarting, network blip) is forgotten so the retry pings again.
      connecting.catch(() => {
        if (this.connected === connecting) this.connected = undefined;
        if (this.pings?.get(key) === connecting) this.pings.delete(key);
      });
    }
    return this.connected;
  }

  private async ping(signal?: AbortSignal): Promise<Connection> {
    const https = new URL(`https://${this.host}/`);
    const http = new URL(`http://${this.host}/`);
    if (this.plainHttp) return { base: http, auth: await this.probe(http, signal) };
    try {
      return { base: https, auth: await this.probe(https, signal) };
    } catch (error) {
      // Docker's rule for local registries: loopback may speak plain HTTP, nothing else may.
      if (isLoopbackHost(this.host) && isNotTlsError(error)) return { base: http, auth: await this.probe(http, signal) };
      throw error;
    }
  }

  private async probe(base: URL, signal?: AbortSignal): Promise<AuthMode> {
    const res = await this.transport.request({ method: 'GET', url: new URL('/v2/', base), signal });
    if (res.status === 200) {
      await res.body.dump();
      return { scheme: 'none' };
    }
    if (res.status !== 401) throw await registryError(res, `checking ${base.host} is an OCI registry (GET /v2/)`);
    await res.body.dump();
    const challenges = parseChallenges(headerText(res.headers['www-authenticate']));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return { scheme: 'bearer', challenge: bearer };
    if (challenges.some((c) => c.scheme === 'basic')) return { scheme: 'basic' };
    throw new PushError('UNAUTHORIZED', `registry ${base.host} asks for an authentication scheme hoist does not speak`, {
      status: 401,
    });
  }

  private async authorization(base: URL, auth: AuthMode, scopes: readonly string[], fresh: boolean, signal?: AbortSignal, renewed = false): Promise<Signature> {
    if (auth.scheme === 'none') return {};
    // A plan's images share the credential: whoever's ask this waits for, the wait ends with this request.
    const credential = await adapterCall(signal, () => this.credentials.current());
    if (credential && base.protocol === 'http:' && !isLoopbackHost(this.host)) {
      throw new PushError(
        'INSECURE_TRANSPORT',
        `refusing to send credentials for ${this.host} over plain HTTP, where anyone on the network path can read them: serve the registry over TLS (a private CA is trusted with --ca-file), or push without credentials if it takes anonymous pushes`,
      );
    }
    if (credential?.kind === 'bearer') return { credential, authorization: `Bearer ${credential.token}` };
    if (auth.scheme === 'basic') {
      if (credential?.kind !== 'basic') {
        throw new PushError('UNAUTHORIZED', `registry ${this.host} requires a username and password, and none were found for it: ${noCredentialsHint(this.host)}`, { status: 401 });
      }
      return { credential, authorization: basicAuthorization(credential) };
    }
    try {
      return { credential, authorization: `Bearer ${await this.token(base, auth.challenge, scopes, credential, fresh, signal)}` };
    } catch (error) {
      // The token service refused a credential that had worked (an ACR refresh token past its life): once more with a new one.
      if (renewed || !isPushError(error) || error.status !== 401 || !this.credentials.refused(credential)) throw error;
      return this.authorization(base, auth, scopes, fresh, signal, true);
    }
  }

  private token(base: URL, challenge: Challenge, scopes: readonly string[], credential: Credential | undefined, fresh: boolean, signal?: AbortSignal): Promise<string> {
    const key = scopes.join(' ');
    // A fetch under way gives a token newer than any this request was refused with (unless an old credential asked for it).
    const pending = this.fetching.get(key);
    if (pending && pending.credential === credential) return pending.token;
    if (fresh) this.tokens.delete(key);
    const cached = this.tokens.get(key, credential);
    if (cached !== undefined) return Promise.resolve(cached);
    const token: Promise<string> = fetchToken({ transport: this.transport, challenge, registryUrl: base, scopes, credential, ...(signal ? { signal } : {}) })
      .then((fetched) => {
        this.onSecret?.(fetched.token);
        this.tokens.set(key, fetched.token, fetched.lifetimeSeconds, credential);
        return fetched.token;
      })
      .finally(() => {
        if (this.fetching.get(key)?.token === token) this.fetching.delete(key);
      });
    this.fetching.set(key, { credential, token });
    return token;
  }
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
