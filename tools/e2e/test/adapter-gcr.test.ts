import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapterConformance } from '@hoist/adapter-testkit';
import { gcrAdapter } from '@hoist/adapter-gcr';
import { makeImageLayout, sha256, skopeoRawManifest } from '@hoist/test-images';
import { createTestCa, issueServerCert, startCloudProxy, startFakeGoogle, startRegistry, type FakeGoogle } from '@hoist/test-registry';
import { loopbackLookup, runHoist, tempDir } from './helpers.js';
import { CREDENTIAL_LIFETIME_S, pushOutlivingCredentials } from './outliving-push.js';

/**
 * The GCR / Artifact Registry adapter with the real google-auth-library, against loopback
 * stand-ins for Google's token endpoint (gcloud user credentials refreshed there) and metadata
 * server (GCE_METADATA_HOST), in front of a real registry that accepts
 * `oauth2accesstoken` with the access token they hand out.
 */
const AR_HOST = 'europe-west1-docker.pkg.dev';
const ACCESS_TOKEN = 'ya29.hoist-test-access-token';

const arToLoopback = loopbackLookup([AR_HOST]);

/**
 * gcloud's user credentials (`gcloud auth application-default login` writes this file), with the
 * library's token endpoint moved to the stand-in. (A service-account key's JWT grant goes to a
 * fixed Google URL whatever token_uri says; its test below goes through a cloud proxy.)
 */
async function userCredentials(google: FakeGoogle) {
  const file = join(await tempDir(), 'application_default_credentials.json');
  await writeFile(file, JSON.stringify({ type: 'authorized_user', client_id: 'hoist-test', client_secret: 'hoist-test-secret', refresh_token: 'hoist-test-refresh' }));
  return { keyFilename: file, clientOptions: { endpoints: { oauth2TokenUrl: google.tokenUri } } };
}

describeAdapterConformance('gcr', {
  adapter: gcrAdapter(),
  ownedHosts: ['gcr.io', 'eu.gcr.io', 'us.gcr.io', AR_HOST, 'us-docker.pkg.dev'],
  foreignHosts: ['docker.io', 'ghcr.io', 'gcr.io.evil.example', 'pkg.dev', 'europe-west1-python.pkg.dev'],
  async endToEnd() {
    const [registry, google, refusing] = await Promise.all([
      startRegistry({ auth: 'htpasswd', tls: true, users: { oauth2accesstoken: ACCESS_TOKEN }, dnsNames: [AR_HOST] }),
      startFakeGoogle(ACCESS_TOKEN),
      startFakeGoogle('ya29.refused-access-token'),
    ]);
    return {
      registry: `${AR_HOST}:${registry.host.split(':')[1]}`,
      adapter: gcrAdapter({ auth: await userCredentials(google) }),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup: arToLoopback },
      readManifest: (repository, tag) => skopeoRawManifest(`${registry.host}/${repository}:${tag}`, { caFile: registry.caFile!, username: 'oauth2accesstoken', password: ACCESS_TOKEN }),
      accessLog: () => registry.accessLog(),
      refused: { adapter: gcrAdapter({ auth: await userCredentials(refusing) }), secret: 'ya29.refused-access-token' },
      close: async () => {
        await Promise.all([registry.stop(), google.close(), refusing.close()]);
      },
    };
  },
});

describe('GCR adapter on a machine with a metadata server', () => {
  let google: FakeGoogle;
  beforeAll(async () => {
    google = await startFakeGoogle(ACCESS_TOKEN);
  });
  afterAll(async () => google?.close());

  it('takes the access token from GCE_METADATA_HOST with Application Default Credentials', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { GCE_METADATA_HOST: google.metadataHost, METADATA_SERVER_DETECTION: 'ping-only', HOME: await tempDir() });
    delete process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    try {
      const asked = Date.now();
      expect(await gcrAdapter().resolveCredentials(AR_HOST, {})).toEqual({
        kind: 'basic',
        username: 'oauth2accesstoken',
        password: ACCESS_TOKEN,
        source: 'Google Application Default Credentials',
        // The metadata server's expires_in, 3599 s.
        expiresAt: expect.toSatisfy((at: number) => at >= asked + 3_599_000 && at <= Date.now() + 3_599_000),
      });
      expect(google.calls).toContain('metadata-token');
    } finally {
      process.env = saved;
    }
  });
});

describe('Google access tokens that expire', () => {
  it('carry their expiry; a refused one is not served again from the library cache', async () => {
    const google = await startFakeGoogle(ACCESS_TOKEN, { tokenPerGrant: true });
    try {
      const adapter = gcrAdapter({ auth: await userCredentials(google) });
      const first = await adapter.resolveCredentials(AR_HOST, {});
      expect(first).toMatchObject({ password: `${ACCESS_TOKEN}-1`, expiresAt: expect.any(Number) });
      // Good for an hour: the library serves the same token, until core says it was refused.
      expect(await adapter.resolveCredentials(AR_HOST, { refresh: 'expiring' })).toMatchObject({ password: `${ACCESS_TOKEN}-1` });
      expect(await adapter.resolveCredentials(AR_HOST, { refresh: 'refused' })).toMatchObject({ password: `${ACCESS_TOKEN}-2` });
      expect(google.calls).toEqual(['refresh-grant', 'refresh-grant']);
    } finally {
      await google.close();
    }
  });

  it('a push longer than three token lives lands, with a token asked for once per life, not per request', async () => {
    const google = await startFakeGoogle(ACCESS_TOKEN, { tokenPerGrant: true, tokenLifetimeSeconds: CREDENTIAL_LIFETIME_S });
    try {
      const adapter = gcrAdapter({ auth: await userCredentials(google) });
      const push = await pushOutlivingCredentials(AR_HOST, adapter, (username, password) => username === 'oauth2accesstoken' && google.isLive(password));
      expect(push.ms).toBeGreaterThan(3 * CREDENTIAL_LIFETIME_S * 1000);
      expect(push.digests.stored).toBe(push.digests.written);
      const grants = google.calls.filter((c) => c === 'refresh-grant').length;
      expect(grants).toBeGreaterThanOrEqual(3);
      expect(grants).toBeLessThan(push.judged.length / 2);
    } finally {
      await google.close();
    }
  });
});

describe('GCR adapter with no Application Default Credentials', () => {
  const fromHelper = { kind: 'basic' as const, username: 'oauth2accesstoken', password: 'ya29.from-docker-credential-gcloud' };
  const withoutAdc = async <T>(body: () => Promise<T>): Promise<T> => {
    const saved = { ...process.env };
    // No key file, no gcloud files in an empty HOME, no metadata server: the library finds nothing.
    Object.assign(process.env, { HOME: await tempDir(), METADATA_SERVER_DETECTION: 'none' });
    delete process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    delete process.env['CLOUDSDK_CONFIG'];
    try {
      return await body();
    } finally {
      process.env = saved;
    }
  };

  it("takes the fallback chain's credentials (gcloud's docker credential helper)", async () => {
    const adapter = gcrAdapter({ fallback: { resolveCredentials: async () => fromHelper } });
    expect(await withoutAdc(() => adapter.resolveCredentials(AR_HOST, {}))).toEqual(fromHelper);
  });

  it('reports the missing credentials when the fallback has nothing either', async () => {
    const adapter = gcrAdapter({ fallback: { resolveCredentials: async () => undefined } });
    await expect(withoutAdc(() => adapter.resolveCredentials(AR_HOST, {}))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('Application Default Credentials') });
  });
});

describe('hoist push to Artifact Registry from the CLI, on a machine with a metadata server', () => {
  it('pushes with no credential flags, the metadata server token sent as oauth2accesstoken', async () => {
    const [registry, google] = await Promise.all([startRegistry({ auth: 'htpasswd', tls: true, users: { oauth2accesstoken: ACCESS_TOKEN }, dnsNames: [AR_HOST] }), startFakeGoogle(ACCESS_TOKEN)]);
    try {
      const layout = await tempDir();
      const image = await makeImageLayout(layout, [8 * 1024]);
      const run = await runHoist(['push', layout, `${AR_HOST}:${registry.host.split(':')[1]}/my-project/team/app:v1`, '--resolve', `${AR_HOST}:127.0.0.1`, '--ca-file', registry.caFile!], {
        env: { GCE_METADATA_HOST: google.metadataHost, METADATA_SERVER_DETECTION: 'ping-only' },
      });
      expect(run.code).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(ACCESS_TOKEN);
      expect(google.calls).toContain('metadata-token');
      expect(sha256(await skopeoRawManifest(`${registry.host}/my-project/team/app:v1`, { caFile: registry.caFile!, username: 'oauth2accesstoken', password: ACCESS_TOKEN }))).toBe(image.manifest.digest);
    } finally {
      await Promise.all([registry.stop(), google.close()]);
    }
  });
});

describe('hoist push to Artifact Registry from the CLI with GOOGLE_APPLICATION_CREDENTIALS', () => {
  it('signs a JWT grant with the service-account key, and pushes with the token it gets', async () => {
    const email = 'ci-pusher@hoist-test.iam.gserviceaccount.com';
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certs = await createTestCa(await tempDir());
    const googleCert = await issueServerCert(certs, 'google', ['oauth2.googleapis.com']);
    const [registry, google] = await Promise.all([
      startRegistry({ auth: 'htpasswd', tls: true, users: { oauth2accesstoken: ACCESS_TOKEN }, dnsNames: [AR_HOST] }),
      startFakeGoogle(ACCESS_TOKEN, { tls: googleCert, serviceAccount: { email, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } }),
    ]);
    const proxy = await startCloudProxy({ 'oauth2.googleapis.com:443': google.address, [`${AR_HOST}:443`]: registry.host });
    try {
      const dir = await tempDir();
      const keyFile = join(dir, 'ci-pusher.json');
      await writeFile(
        keyFile,
        JSON.stringify({
          type: 'service_account',
          project_id: 'hoist-test',
          private_key_id: 'k1',
          private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          client_email: email,
          client_id: '1234567890',
          token_uri: 'https://oauth2.googleapis.com/token',
        }),
      );
      // The public roots, as far as this machine knows: the two test CAs.
      const roots = join(dir, 'roots.pem');
      await writeFile(roots, `${await readFile(certs.caCert, 'utf8')}${await readFile(registry.caFile!, 'utf8')}`);
      const layout = await tempDir();
      const image = await makeImageLayout(layout, [8 * 1024]);
      const env = { GOOGLE_APPLICATION_CREDENTIALS: keyFile, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: roots };

      // A key Google does not know (rotated, deleted): one line with Google's OAuth error.
      const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const staleKeyFile = join(dir, 'stale.json');
      await writeFile(staleKeyFile, (await readFile(keyFile, 'utf8')).replace(JSON.stringify(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).slice(1, -1), JSON.stringify(foreign).slice(1, -1)));
      const refused = await runHoist(['push', layout, `${AR_HOST}/hoist-test/team/app:v1`], { env: { ...env, GOOGLE_APPLICATION_CREDENTIALS: staleKeyFile } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^hoist: error: getting a Google access token for europe-west1-docker\.pkg\.dev failed: \w+ \(invalid_grant\)/m);
      expect(google.calls).toEqual([]);

      const run = await runHoist(['push', layout, `${AR_HOST}/hoist-test/team/app:v1`], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(ACCESS_TOKEN);
      expect(google.calls).toEqual(['jwt-grant']);
      expect(proxy.refused).toEqual([]);
      expect(sha256(await skopeoRawManifest(`${registry.host}/hoist-test/team/app:v1`, { caFile: registry.caFile!, username: 'oauth2accesstoken', password: ACCESS_TOKEN }))).toBe(image.manifest.digest);
    } finally {
      await Promise.all([registry.stop(), google.close(), proxy.close()]);
    }
  });
});
