import { describe, expect, it } from 'vitest';
import { fetchToken } from '../src/registry/auth.js';
import { Transport } from '../src/registry/transport.js';

/** Realms that would leak a credential are refused before any request is made. */
const transport = new Transport();
const credential = { kind: 'basic' as const, username: 'u', password: 'p' };
const request = (registry: string, realm: string, withCredential = true) =>
  fetchToken({
    transport,
    challenge: { scheme: 'bearer', params: { realm, service: 's' } },
    registryUrl: new URL(registry),
    scopes: ['repository:a:pull'],
    credential: withCredential ? credential : undefined,
  });

describe('token realm checks', () => {
  it('refuses a realm that downgrades the registry from https to http', async () => {
    await expect(request('https://reg.example/', 'http://auth.example/token')).rejects.toMatchObject({
      code: 'INSECURE_TRANSPORT',
      message: "refusing token realm http://auth.example/token: it downgrades the registry's https to http:",
    });
  });

  it('refuses to send credentials to a plain-HTTP realm off loopback, even for a plain-HTTP registry', async () => {
    await expect(request('http://127.0.0.1:5000/', 'http://auth.example/token')).rejects.toMatchObject({ code: 'INSECURE_TRANSPORT' });
  });

  it('refuses a realm that is no URL', async () => {
    await expect(request('https://reg.example/', 'not a url')).rejects.toMatchObject({ code: 'PROTOCOL' });
  });
});
