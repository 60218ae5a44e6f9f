import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericAdapter } from '@hoist/adapter-generic';
import { memoryBlobLocations, openOciLayout, parseReference, pushImage, type PushOptions } from '@hoist/core';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRedirectFront, startRegistry, type RedirectFront, type TestRegistry } from '@hoist/test-registry';
import { loopbackLookup, runHoist, tempDir } from './helpers.js';

/**
 * Where credentials must not go: to an upload Location on another origin, over plain HTTP to a
 * host that is not loopback, to a token realm reached over plain HTTP off loopback; and never
 * into anything hoist prints, at any output level.
 */
const PASSWORD = 'hoist-test-password';
const BASIC = `Basic ${Buffer.from(`hoist:${PASSWORD}`).toString('base64')}`;

/** Resolves every name to 127.0.0.1: the test's stand-in for a DNS entry of a remote host. */
const toLoopback = loopbackLookup();

let htpasswd: TestRegistry;
let front: RedirectFront;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  htpasswd = await startRegistry({ auth: 'htpasswd' });
  front = await startRedirectFront(htpasswd.host, BASIC, { moveUploads: true });
  layout = await tempDir();
  image = await makeImageLayout(layout, [24 * 1024]);
});
afterAll(async () => {
  await front?.close();
  await htpasswd?.stop();
});

async function push(registry: string, extra: Partial<PushOptions> = {}) {
  return pushImage({
    source: await openOciLayout({ path: layout }),
    destinations: [parseReference(`${registry}/hygiene/app:v1`)],
    adapters: [genericAdapter({ explicit: { registries: [registry], username: 'hoist', password: PASSWORD }, dockerConfig: '/nonexistent' })],
    blobLocations: memoryBlobLocations(),
    ...extra,
  });
}

describe('credential hygiene', () => {
  it('an upload Location on another origin gets the body but not the Authorization', async () => {
    const result = await push(front.host);
    expect(result.digest).toBe(image.manifest.digest);
    const puts = front.cdnRequests.filter((h) => h['content-type'] === 'application/octet-stream');
    expect(puts.length).toBeGreaterThan(0);
    expect(front.cdnRequests.filter((h) => h['authorization'] !== undefined)).toEqual([]);
    expect(sha256(await skopeoRawManifest(`${htpasswd.host}/hygiene/app:v1`, { username: 'hoist', password: PASSWORD }))).toBe(image.manifest.digest);
  });

  it('no credentials over plain HTTP to a host that is not loopback', async () => {
    const name = `registry.hoist-test:${htpasswd.host.split(':')[1]}`;
    const mark = (await htpasswd.accessLog()).length;
    await expect(push(name, { plainHttpHosts: [name], lookup: toLoopback })).rejects.toMatchObject({
      code: 'INSECURE_TRANSPORT',
      message: expect.stringMatching(new RegExp(`^refusing to send credentials for ${name.replace(/[.]/g, '\\.')} over plain HTTP, where anyone on the network path can read them: serve the registry over TLS`)),
    });
    // The registry saw the unauthenticated ping and nothing after it.
    expect((await htpasswd.accessLog()).slice(mark).map((e) => `${e.method} ${e.uri} ${e.status}`)).toEqual(['GET /v2/ 401']);
  });

  it('no credentials to a token realm reached over plain HTTP off loopback', async () => {
    const token = await startRegistry({ auth: 'token', realmHost: 'tokens.hoist-test' });
    try {
      const before = token.tokenServer!.requests.length;
      await expect(push(token.host, { lookup: toLoopback })).rejects.toMatchObject({ code: 'INSECURE_TRANSPORT', message: expect.stringContaining('refusing to send credentials to token realm http://tokens.hoist-test') });
      expect(token.tokenServer!.requests.length).toBe(before);
    } finally {
      await token.stop();
    }
  });

  it.each([['-v'], ['--json'], ['-q'], ['--retries', '0']])('no secret in anything printed with %s, failing or not', async (...flags) => {
    for (const password of [PASSWORD, 'wrong-secret-value']) {
      const run = await runHoist(['push', layout, `${front.host}/hygiene/scan:v1`, '-u', 'hoist', '--password-stdin', ...flags], { stdin: password });
      expect(run.code).toBe(password === PASSWORD ? 0 : 1);
      for (const secret of [password, Buffer.from(`hoist:${password}`).toString('base64'), 'cdn-signature-123']) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    }
  });
});
