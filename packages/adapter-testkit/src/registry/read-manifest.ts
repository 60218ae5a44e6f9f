import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';

/**
 * Reads what a push left in a test registry without any of hoist's code: node:http(s), the
 * registry's own CA, and the auth the registry was started with (Basic for htpasswd; for token
 * auth, a token from its token server at loopback, whatever host its challenge names). The
 * independent reader a conformance suite checks a push against, byte for byte.
 */
export interface ReadableRegistry {
  url: string;
  caFile?: string;
  auth: 'none' | 'htpasswd' | 'token';
  /** With token auth: the token server's realm URL (on 127.0.0.1). */
  realm?: string;
  service?: string;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export async function readRegistryManifest(registry: ReadableRegistry, repository: string, reference: string, user: { username: string; password: string }): Promise<Buffer> {
  const ca = registry.caFile ? await readFile(registry.caFile) : undefined;
  const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  let authorization: string | undefined;
  if (registry.auth === 'htpasswd') authorization = basic;
  if (registry.auth === 'token') {
    const scope = encodeURIComponent(`repository:${repository}:pull`);
    const answer = await get(`${registry.realm}?service=${encodeURIComponent(registry.service ?? '')}&scope=${scope}`, { authorization: basic }, ca);
    if (answer.status !== 200) throw new Error(`the token server answered ${answer.status}`);
    const body = JSON.parse(answer.body.toString()) as { token?: string; access_token?: string };
    authorization = `Bearer ${body.token ?? body.access_token}`;
  }
  const answer = await get(`${registry.url}/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES, ...(authorization ? { authorization } : {}) }, ca);
  if (answer.status !== 200) throw new Error(`GET ${repository}:${reference}: the registry answered ${answer.status}`);
  return answer.body;
}

function get(url: string, headers: Record<string, string>, ca: Buffer | undefined): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { headers, ...(ca ? { ca } : {}) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}
