import { describe, expect, it } from 'vitest';
import { Limiter } from '../src/push/limiter.js';

describe('Limiter', () => {
  it('never runs more than its limit at once, even as slots are handed over', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
    };
    const first = Array.from({ length: 10 }, () => limiter.run(task));
    // Newcomers arriving while slots change hands must wait their turn too.
    await Promise.race(first);
    await Promise.all([...first, ...Array.from({ length: 10 }, () => limiter.run(task))]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});
