import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credential } from '../src/adapter.js';
import { CredentialSource, type CredentialRefresh } from '../src/registry/credential-source.js';
import { RegistryClient } from '../src/registry/registry-client.js';
import { Transport } from '../src/registry/transport.js';

/**
 * A RegistryClient whose registry stops taking a credential it took before: asked again once,
 * for every request at that moment, and a credential that never worked is refused as it is.
 */
const servers: { close(): void }[] = [];
const transport = new Transport();
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A server on loopback that answers each request once its body (`req.body`) has arrived. */
async function serve(handle: (req: IncomingMessage & { body: string }, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(Object.assign(req, { body: Buffer.concat(chunks).toString() }), res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An adapter that hands out `<prefix>-N`, as a Basic password or an identity token, and records why it was asked. */
function adapter(kind: 'basic' | 'identity-token', prefix: string) {
  const asked: (CredentialRefresh | undefined)[] = [];
  const source = new CredentialSource(async (refresh) => {
    asked.push(refresh);
    const secret = `${prefix}-${asked.length}`;
    return kind === 'basic' ? ({ kind, username: 'AWS', password: secret } satisfies Credential) : ({ kind, token: secret } satisfies Credential);
  });
  return { asked, source };
}

function client(host: string, credentials: CredentialSource): RegistryClient {
  return new RegistryClient({ transport, host, plainHttp: true, credentials, retryPolicy: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
}

const basicPassword = (req: IncomingMessage) => Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':')[1];

function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}, body = ''): void {
  res.writeHead(status, headers).end(body);
}

const get = (c: RegistryClient) => c.send({ method: 'GET', target: '/v2/team/app/tags/list', scopes: ['repository:team/app:pull'] });

describe('RegistryClient with a credential that stops working', () => {
  it('Basic: asks the adapter again once when the registry refuses a password it took, for all the requests refused with it', async () => {
    const live = new Set(['pw-1']);
    const seen: (string | undefined)[] = [];
    const host = await serve((req, res) => {
      const password = basicPassword(req);
      if (req.url !== '/v2/') seen.push(password);
      if (password !== undefined && live.has(password)) return answer(res, 200);
      answer(res, 401, { 'www-authenticate': 'Basic realm="test"' });
    });
    const { asked, source } = adapter('basic', 'pw');
    const registry = client(host, source);
    expect((await get(registry)).status).toBe(200);
    // pw-1 is revoked; the adapter's next answer is taken.
    live.clear();
    live.add('pw-2');
    const statuses = await Promise.all([get(registry), get(registry), get(registry)]);
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(asked).toEqual([undefined, 'refused']);
    expect(seen.filter((p) => p === 'pw-2')).toHaveLength(3);

    // pw-2 revoked too, and the adapter's next answer refused: reported, not asked for again.
    live.clear();
    const refused = await get(registry);
    expect(refused.status).toBe(401);
    expect(refused.refusal).toContain('refused the credentials of user "AWS"');
    expect(asked).toEqual([undefined, 'refused', 'refused']);
  });

  it('Basic: a password refused from the start is asked for once and sent once', async () => {
    let requests = 0;
    const host = await serve((req, res) => {
      if (req.url !== '/v2/') requests++;
      answer(res, 401, { 'www-authenticate': 'Basic realm="test"' });
    });
    const { asked, source } = adapter('basic', 'wrong');
    const res = await get(client(host, source));
    expect(res.status).toBe(401);
    expect(asked).toEqual([undefined]);
    expect(requests).toBe(1);
  });

  it('Bearer: an identity token the token service stops taking (an ACR refresh token past its life) is replaced once, and the token the new one earns serves what follows', async () => {
    const liveRefresh = new Set(['refresh-1']);
    const liveTokens = new Set<string>();
    /** Which refresh token each access token was issued for. */
    const issued: string[] = [];
    const realm = await serve((req, res) => {
      const refresh = new URLSearchParams(req.body).get('refresh_token') ?? '';
      if (!liveRefresh.has(refresh)) return answer(res, 401);
      issued.push(refresh);
      const token = `access-${issued.length}`;
      liveTokens.add(token);
      answer(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ access_token: token, expires_in: 300 }));
    });
    const registry = await serve((req, res) => {
      if (liveTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) return answer(res, 200);
      answer(res, 401, { 'www-authenticate': `Bearer realm="http://${realm}/token",service="test"` });
    });
    const { asked, source } = adapter('identity-token', 'refresh');
    const c = client(registry, source);
    expect((await get(c)).status).toBe(200);
    // Both expire at once: the registry refuses the token, the token service the refresh token.
    liveRefresh.clear();
    liveTokens.clear();
    liveRefresh.add('refresh-2');
    const again = await Promise.all([get(c), get(c)]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    expect(asked).toEqual([undefined, 'refused']);
    expect(issued).toEqual(['refresh-1', 'refresh-2']);
    // The token refresh-2 earned is the one kept: no more fetches for the same scope.
    expect((await get(c)).status).toBe(200);
    expect(issued).toHaveLength(2);
  });
});
