import { describe, expect, it } from 'vitest';
import { adapterCall } from '../src/registry/adapter-call.js';

const never = () => new Promise<never>(() => {});

describe('adapterCall', () => {
  it('does not make the call once the signal has aborted', async () => {
    let calls = 0;
    const reason = new Error('interrupted');
    await expect(adapterCall(AbortSignal.abort(reason), async () => ++calls)).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('abandons a call that ignores the signal the moment it aborts, with its reason', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('time limit')), 50);
    await expect(adapterCall(controller.signal, never)).rejects.toThrow('time limit');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("passes the call's own answer or failure through, a synchronous throw included", async () => {
    const signal = new AbortController().signal;
    await expect(adapterCall(signal, async () => 'token')).resolves.toBe('token');
    await expect(adapterCall(signal, async () => Promise.reject(new Error('no role')))).rejects.toThrow('no role');
    await expect(adapterCall(signal, () => { throw new Error('bad config'); })).rejects.toThrow('bad config');
  });
});
