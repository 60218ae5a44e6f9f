import type { Credential, CredentialContext } from '../adapter.js';

export type CredentialRefresh = NonNullable<CredentialContext['refresh']>;

export type ResolveCredential = (refresh: CredentialRefresh | undefined) => Promise<Credential | undefined>;

/**
 * How long before its expiry a credential is replaced: a minute, or a quarter of its life when
 * that is shorter. Early enough that a request signed with it reaches the registry in time; late
 * enough that a credential of a few seconds is not asked for on every request.
 */
const MAX_RENEW_MARGIN_MS = 60_000;

interface Held {
  credential: Credential | undefined;
  /** When to ask again; Infinity for a credential that says nothing of its expiry. */
  renewAt: number;
  /** A registry answered something other than 401 to a request signed with it. */
  worked: boolean;
}

/**
 * A registry's credential for as long as a run talks to it. The adapter is asked on first use,
 * asked again shortly before the credential's `expiresAt` (an ECR token lives 12 hours, a Google
 * access token one), and asked again when a registry answers 401 to a credential it had taken
 * before (revoked early, or expired without saying when). A 401 to a credential that never
 * worked is a refusal, and so is a 401 to its replacement before that has worked: once per
 * credential, never a loop. Every request at that moment waits for the same ask, so the adapter
 * (often a cloud API with limits of its own) is asked once per expiry, not once per request.
 */
export class CredentialSource {
  /** The ask under way or last answered; undefined before the first use and after a failed ask. */
  private asking: Promise<Held> | undefined;
  /** What `asking` answered, once it has. */
  private answered: Held | undefined;
  /** Why the next ask is made: none for the first. */
  private reason: CredentialRefresh | undefined;

  constructor(
    private readonly resolve: ResolveCredential,
    private readonly now: () => number = Date.now,
  ) {}

  /** The credential to sign a request with. */
  async current(): Promise<Credential | undefined> {
    if (this.answered && this.now() >= this.answered.renewAt) this.renew('expiring');
    this.asking ??= this.ask();
    return (await this.asking).credential;
  }

  /** The credential last handed out, without asking (none before the first answer, or while a new one is asked for). */
  get held(): Credential | undefined {
    return this.answered?.credential;
  }

  /** A registry took `credential`: it answered something other than 401 to a request signed with it. */
  worked(credential: Credential | undefined): void {
    const answered = this.answered;
    if (answered && answered.credential === credential) answered.worked = true;
  }

  /**
   * A registry answered 401 to a request signed with `credential`. True when the request is worth
   * one more try with `current()`: the credential had worked and is being replaced now, or
   * another request has had it replaced already. False for a refusal to report: no credential,
   * or one that never worked.
   */
  refused(credential: Credential | undefined): boolean {
    if (credential === undefined) return false;
    if (this.answered?.credential !== credential) return true;
    if (!this.answered.worked) return false;
    this.renew('refused');
    return true;
  }

  private renew(reason: CredentialRefresh): void {
    this.reason = reason;
    this.answered = undefined;
    this.asking = this.ask();
  }

  private ask(): Promise<Held> {
    const asking: Promise<Held> = this.resolve(this.reason).then((credential) => {
      const held = { credential, renewAt: renewAt(credential, this.now()), worked: false };
      if (this.asking === asking) this.answered = held;
      return held;
    });
    // A failed ask fails the requests that waited for it; the next request asks again, for the same reason.
    asking.catch(() => {
      if (this.asking === asking) this.asking = undefined;
    });
    return asking;
  }
}

function renewAt(credential: Credential | undefined, now: number): number {
  const expiresAt = credential?.expiresAt;
  // Expired before it was handed over (a clock that is off): the registry judges it. Asking
  // again at once would ask on every request.
  if (expiresAt === undefined || expiresAt <= now) return Infinity;
  return expiresAt - Math.min(MAX_RENEW_MARGIN_MS, (expiresAt - now) / 4);
}
