import { describe, expect, it } from 'vitest';
import { isPushError } from '../src/errors.js';
import { Transport } from '../src/registry/transport.js';

describe('Transport errors', () => {
  it('passes a bug through as it is, not as a network failure to retry', async () => {
    const transport = new Transport({
      lookup: () => {
        throw new TypeError('lookup is broken');
      },
    });
    try {
      const error = await transport.request({ method: 'GET', url: new URL('https://registry.test/v2/') }).catch((e: unknown) => e);
      expect(isPushError(error)).toBe(false);
      expect(error).toBeInstanceOf(TypeError);
    } finally {
      await transport.close();
    }
  });

  it('maps a system error to a network PushError', async () => {
    const transport = new Transport({
      lookup: (_host, _options, callback) => callback(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), '', 4),
    });
    try {
      await expect(transport.request({ method: 'GET', url: new URL('https://registry.test/v2/') })).rejects.toMatchObject({ code: 'NETWORK' });
    } finally {
      await transport.close();
    }
  });
});
