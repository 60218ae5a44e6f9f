import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAccessLog, startRegistry } from '../src/index.js';

/** Listening sockets of the machine, as `ss` shows them. */
function listeners(): string {
  return execFileSync('ss', ['-Hltn'], { encoding: 'utf8' });
}

describe('startRegistry', () => {
  it('binds loopback only, on a random port, and stops cleanly', async () => {
    const registry = await startRegistry();
    const port = registry.host.split(':')[1]!;
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(port).not.toBe('5000');
    const lines = listeners().split('\n').filter((l) => l.includes(`:${port} `));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
    await registry.stop();
    expect(listeners()).not.toContain(`127.0.0.1:${port} `);
  });

  it('asks for Basic credentials with htpasswd and accepts the test user', async () => {
    const registry = await startRegistry({ auth: 'htpasswd' });
    try {
      const anonymous = await fetch(`${registry.url}/v2/`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
      const [user, password] = Object.entries(registry.users)[0]!;
      const ok = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
      expect(ok.status).toBe(200);
    } finally {
      await registry.stop();
    }
  });

  it('accepts a token from its token server and refuses one without access', async () => {
    const registry = await startRegistry({ auth: 'token' });
    try {
      const challenge = (await fetch(`${registry.url}/v2/`)).headers.get('www-authenticate') ?? '';
      expect(challenge).toContain(`realm="${registry.tokenServer!.realm}"`);
      const [user, password] = Object.entries(registry.users)[0]!;
      const scope = 'repository:probe/app:pull,push';
      const tokenFor = async (authorization?: string): Promise<string> => {
        const res = await fetch(`${registry.tokenServer!.realm}?service=hoist-test-registry&scope=${scope}`, authorization ? { headers: { authorization } } : {});
        return ((await res.json()) as { token: string }).token;
      };
      const granted = await tokenFor(`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
      const upload = await fetch(`${registry.url}/v2/probe/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${granted}` } });
      expect(upload.status).toBe(202);
      const anonymous = await tokenFor();
      const refused = await fetch(`${registry.url}/v2/probe/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${anonymous}` } });
      expect(refused.status).toBe(401);
    } finally {
      await registry.stop();
    }
  });

  it('serves TLS with a certificate its CA vouches for', async () => {
    const registry = await startRegistry({ tls: true });
    try {
      expect(registry.url).toMatch(/^https:/);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(registry.caFile!, 'utf8')).toContain('BEGIN CERTIFICATE');
      const verify = execFileSync('openssl', ['s_client', '-connect', registry.host, '-CAfile', registry.caFile!, '-verify_return_error', '-brief'], { input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      expect(verify).toBeDefined();
    } finally {
      await registry.stop();
    }
  });
});

describe('parseAccessLog', () => {
  it('reads method, URI and status from combined log lines', () => {
    const text = '127.0.0.1 - - [26/Nov/2026:17:35:50 +0000] "HEAD /v2/foo/blobs/sha256:00 HTTP/1.1" 404 157 "" "curl/7.88.1"\nnoise\n';
    expect(parseAccessLog(text)).toEqual([{ method: 'HEAD', uri: '/v2/foo/blobs/sha256:00', status: 404 }]);
  });
});
