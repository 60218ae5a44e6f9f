import { describe, expect, it } from 'vitest';
import { rateLimitLeft } from '../src/index.js';
import { PullAllowance } from '../src/registry/pull-allowance.js';

const hub = (remaining: string) => ({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': remaining, 'docker-ratelimit-source': '203.0.113.7' });

describe('rateLimitLeft', () => {
  it("reads Docker Hub's headers (the IETF draft's count;w=window), and nothing from a registry that sends none", () => {
    expect(rateLimitLeft(hub('76;w=21600'))).toEqual({ remaining: 76, limit: 100, windowSeconds: 21600 });
    expect(rateLimitLeft({ 'ratelimit-remaining': '5' })).toEqual({ remaining: 5 });
    expect(rateLimitLeft({})).toBeUndefined();
    expect(rateLimitLeft({ 'ratelimit-remaining': 'soon' })).toBeUndefined();
  });
});

describe('PullAllowance', () => {
  it('is unlimited until the registry says, then lets no more pulls start than it said are left', () => {
    const allowance = new PullAllowance('docker.io');
    allowance.take();
    expect(allowance.pullsLeft).toBeUndefined();
    allowance.heard(hub('2;w=21600'));
    allowance.take();
    allowance.take();
    expect(allowance.pullsLeft).toBe(0);
    expect(() => allowance.take()).toThrow(
      'docker.io allows no more pulls for now (RateLimit-Remaining 0 of 100 per 6 h): not copied; run again when its window turns (a re-run copies only what is left), or log in to docker.io for a higher limit',
    );
  });

  it('only falls during a run: an answer to a request sent earlier does not give back pulls already started', () => {
    const allowance = new PullAllowance('docker.io');
    allowance.heard(hub('10;w=21600'));
    for (let i = 0; i < 4; i++) allowance.take();
    // The answer to the first of the four counted one pull; three are still on their way.
    allowance.heard(hub('9;w=21600'));
    expect(allowance.pullsLeft).toBe(6);
    // Someone else on this address pulled too: the registry's count is now the lower one.
    allowance.heard(hub('3;w=21600'));
    expect(allowance.pullsLeft).toBe(3);
  });
});
