import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { registryError } from '../src/registry/registry-error.js';
import type { TransportResponse } from '../src/registry/transport.js';

function answer(status: number, message: string): TransportResponse {
  const body = Readable.from([Buffer.from(JSON.stringify({ errors: [{ code: 'DENIED', message }] }))]) as unknown as TransportResponse['body'];
  return { status, url: new URL('https://registry.test/v2/'), headers: {}, body };
}

describe('registryError', () => {
  it('masks a credential the registry quoted back, even one longer than the line keeps', async () => {
    const jwt = `eyJ${'a'.repeat(400)}.eyJ${'b'.repeat(50)}.sig`;
    const error = await registryError(answer(403, `refused the request you signed with Bearer ${jwt} and basic ABCDEFGH==`), 'starting an upload');
    expect(error.message).toContain('signed with Bearer *** and basic ***');
    expect(error.message).not.toContain('aaaa');
    expect(error.message).not.toContain('ABCDEFGH');
  });

  it('cuts a long message to a line, and keeps it whole in the detail', async () => {
    const error = await registryError(answer(403, 'x'.repeat(5000)), 'pushing');
    expect(error.message.length).toBeLessThan(300);
    expect(error.detail).toHaveLength(5000);
  });
});
