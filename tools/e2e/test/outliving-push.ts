import { memoryBlobLocations, openOciLayout, parseReference, pushImage, type RegistryAdapter } from '@hoist/core';
import { makeImageLayout, sha256 } from '@hoist/test-images';
import { createTestCa, issueServerCert, startCredentialFront, startFaultProxy, startRegistry, type CredentialFront } from '@hoist/test-registry';
import { loopbackLookup, tempDir } from './helpers.js';

/**
 * A push that outlives its credential three times over, for the adapters whose credentials
 * expire. A cloud stand-in issues credentials that live CREDENTIAL_LIFETIME_S; a front before a
 * real registry admits only live ones (`admits`: 401 otherwise, as ECR answers an expired
 * token); a TLS fault proxy under the cloud's host name holds each blob upload HOLD_MS on its
 * way; LAYERS layers go up one at a time. An upload signed late in a credential's life arrives
 * after it ended, so both the renewal before an expiry and the one after a 401 are met.
 */
export const CREDENTIAL_LIFETIME_S = 2;
const LAYERS = 8;
const HOLD_MS = 800;
const REGISTRY_USER = { username: 'hoist', password: 'registry-own-password' };

export interface OutlivingPush {
  ms: number;
  /** Every request that carried a credential to the front, and whether it was live. */
  judged: CredentialFront['judged'];
  /** The image's manifest digest: as written, as the push reported it, and as the registry holds it. */
  digests: { written: string; pushed: string; stored: string };
}

export async function pushOutlivingCredentials(host: string, adapter: RegistryAdapter, admits: (username: string, password: string) => boolean): Promise<OutlivingPush> {
  const certs = await createTestCa(await tempDir());
  const registry = await startRegistry({ auth: 'htpasswd', users: { [REGISTRY_USER.username]: REGISTRY_USER.password } });
  const front = await startCredentialFront(registry.host, { admits, upstream: REGISTRY_USER });
  const proxy = await startFaultProxy(front.host, { tls: await issueServerCert(certs, 'proxy', [host]) });
  proxy.addRule({ method: 'PUT', path: /\/blobs\/uploads\//, times: Infinity, action: { type: 'stall', ms: HOLD_MS } });
  try {
    const layout = await tempDir();
    const image = await makeImageLayout(layout, Array.from({ length: LAYERS }, () => 16 * 1024));
    const started = Date.now();
    const result = await pushImage({
      source: await openOciLayout({ path: layout }),
      destinations: [parseReference(`${host}:${proxy.host.split(':')[1]}/team/long:v1`)],
      adapters: [adapter],
      concurrency: 1,
      blobLocations: memoryBlobLocations(),
      tls: { caFiles: [certs.caCert] },
      lookup: loopbackLookup([host]),
    });
    const ms = Date.now() - started;
    const stored = sha256(await registry.readManifest('team/long', 'v1', REGISTRY_USER.username));
    return { ms, judged: front.judged, digests: { written: image.manifest.digest, pushed: result.digest, stored } };
  } finally {
    await Promise.all([proxy.close(), front.close(), registry.stop()]);
  }
}
