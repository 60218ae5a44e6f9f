import { describe, expect, it } from 'vitest';
import type { Credential } from '../src/adapter.js';
import { CredentialSource, type CredentialRefresh } from '../src/registry/credential-source.js';

/** An adapter that hands out `AWS:token-N`, each living `lifeMs` when given, and records why it was asked. */
function adapter(clock: { now: number }, lifeMs?: number) {
  const asked: (CredentialRefresh | undefined)[] = [];
  let release: (() => void) | undefined;
  let held = false;
  const resolve = async (refresh: CredentialRefresh | undefined): Promise<Credential> => {
    asked.push(refresh);
    if (held) await new Promise<void>((r) => (release = r));
    return { kind: 'basic', username: 'AWS', password: `token-${asked.length}`, ...(lifeMs === undefined ? {} : { expiresAt: clock.now + lifeMs }) };
  };
  return {
    asked,
    resolve,
    /** Answers wait until `release()`. */
    hold: () => (held = true),
    release: () => {
      held = false;
      release?.();
    },
  };
}

const password = (credential: Credential | undefined) => (credential?.kind === 'basic' ? credential.password : undefined);

describe('CredentialSource', () => {
  it('asks once, and again shortly before the credential expires: a minute, or a quarter of a shorter life', async () => {
    const clock = { now: 0 };
    const ecr = adapter(clock, 12 * 3_600_000);
    const source = new CredentialSource(ecr.resolve, () => clock.now);
    expect(password(await source.current())).toBe('token-1');
    clock.now = 12 * 3_600_000 - 60_001;
    expect(password(await source.current())).toBe('token-1');
    clock.now += 1;
    expect(password(await source.current())).toBe('token-2');
    expect(ecr.asked).toEqual([undefined, 'expiring']);

    const short = adapter(clock, 2_000);
    const brief = new CredentialSource(short.resolve, () => clock.now);
    await brief.current();
    clock.now += 1_499;
    expect(password(await brief.current())).toBe('token-1');
    clock.now += 1;
    expect(password(await brief.current())).toBe('token-2');
  });

  it('keeps a credential that says nothing of its expiry, or was expired when handed over, until it is refused', async () => {
    const clock = { now: 0 };
    const plain = adapter(clock);
    const source = new CredentialSource(plain.resolve, () => clock.now);
    await source.current();
    clock.now += 365 * 24 * 3_600_000;
    await source.current();
    expect(plain.asked).toEqual([undefined]);

    const stale = adapter(clock, -1);
    const late = new CredentialSource(stale.resolve, () => clock.now);
    await late.current();
    await late.current();
    expect(stale.asked).toEqual([undefined]);
  });

  it('replaces a refused credential that had worked, once: a 401 to its replacement before that works is a refusal', async () => {
    const clock = { now: 0 };
    const plain = adapter(clock);
    const source = new CredentialSource(plain.resolve, () => clock.now);
    const first = await source.current();
    // Never taken: a wrong password, reported as it is, without asking again.
    expect(source.refused(first)).toBe(false);
    source.worked(first);
    expect(source.refused(first)).toBe(true);
    const second = await source.current();
    expect(password(second)).toBe('token-2');
    expect(source.refused(second)).toBe(false);
    expect(plain.asked).toEqual([undefined, 'refused']);
    // Anonymous requests have nothing to renew.
    expect(source.refused(undefined)).toBe(false);
  });

  it('shares one ask among the requests that meet the expiry or the refusal at the same moment', async () => {
    const clock = { now: 0 };
    const ecr = adapter(clock, 2_000);
    const source = new CredentialSource(ecr.resolve, () => clock.now);
    const first = await source.current();
    source.worked(first);

    ecr.hold();
    clock.now = 1_600;
    const expiring = Promise.all([source.current(), source.current(), source.current()]);
    ecr.release();
    expect((await expiring).map(password)).toEqual(['token-2', 'token-2', 'token-2']);

    const second = await source.current();
    source.worked(second);
    ecr.hold();
    // Four requests refused with it: the first has it replaced, the others wait for that.
    expect([1, 2, 3, 4].map(() => source.refused(second))).toEqual([true, true, true, true]);
    const retried = Promise.all([source.current(), source.current()]);
    ecr.release();
    expect((await retried).map(password)).toEqual(['token-3', 'token-3']);
    // A request that was refused with the first credential long ago tries the current one.
    expect(source.refused(first)).toBe(true);
    expect(ecr.asked).toEqual([undefined, 'expiring', 'refused']);
  });

  it('forgets a failed ask: the requests waiting for it fail, the next one asks again for the same reason', async () => {
    const clock = { now: 0 };
    const asked: (CredentialRefresh | undefined)[] = [];
    let fail = false;
    const source = new CredentialSource(async (refresh) => {
      asked.push(refresh);
      if (fail) throw new Error('the cloud API is down');
      return { kind: 'basic', username: 'AWS', password: `token-${asked.length}`, expiresAt: clock.now + 2_000 };
    }, () => clock.now);
    await source.current();
    clock.now = 1_600;
    fail = true;
    await expect(source.current()).rejects.toThrow('the cloud API is down');
    fail = false;
    expect(password(await source.current())).toBe('token-3');
    expect(asked).toEqual([undefined, 'expiring', 'expiring']);
  });
});
