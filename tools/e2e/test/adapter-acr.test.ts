import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { ClientSecretCredential, EnvironmentCredential } from '@azure/identity';
import { describeAdapterConformance } from '@hoist/adapter-testkit';
import { acrAdapter } from '@hoist/adapter-acr';
import { adapterContext, type CredentialContext } from '@hoist/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { createTestCa, issueServerCert, startCloudProxy, startFakeEntra, startPathFront, startRegistry, type CloudProxy, type FakeEntra, type PathFront, type TestRegistry } from '@hoist/test-registry';
import { linesBesideStart, loopbackLookup, runHoist, tempDir } from './helpers.js';

/**
 * The ACR adapter with the real @azure/identity (a client-secret credential, as
 * AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET configure it) against a loopback stand-in
 * for Entra ID, and a real registry whose token service also answers ACR's /oauth2/exchange:
 * the Entra token becomes an ACR refresh token, which core's refresh grant turns into access.
 */
const ACR_HOST = 'hoistacr.azurecr.io';
const ENTRA_HOST = 'login.hoist-test';
const AAD_TOKEN = 'entra-access-token-for-acr';
const ACR_REFRESH = 'acr-refresh-token-1';

const lookup = loopbackLookup([ACR_HOST, ENTRA_HOST]);

/** The SDK's own HTTP pipeline, told to trust the test CA and to use the test's DNS. */
function entraCredential(authorityHost: string, caFile: string): ClientSecretCredential {
  const agent = new Agent({ ca: readFileSync(caFile), lookup });
  return new ClientSecretCredential('hoist-tenant', 'hoist-client', 'hoist-client-secret', {
    authorityHost,
    disableInstanceDiscovery: true,
    additionalPolicies: [{ position: 'perCall', policy: { name: 'hoist-test-network', sendRequest: (request, next) => next(Object.assign(request, { agent })) } }],
  });
}

describeAdapterConformance('acr', {
  adapter: acrAdapter(),
  ownedHosts: [ACR_HOST, 'team.azurecr.cn', 'gov.azurecr.us'],
  foreignHosts: ['docker.io', 'azurecr.io', 'team.azurecr.io.evil.example', 'ghcr.io'],
  async endToEnd() {
    const registry = await startRegistry({
      auth: 'token',
      tls: true,
      dnsNames: [ACR_HOST],
      realmHost: ACR_HOST,
      refreshTokens: { [ACR_REFRESH]: 'hoist' },
      acrExchange: { accessToken: AAD_TOKEN, refreshToken: ACR_REFRESH },
    });
    const certs = await createTestCa(await tempDir());
    const entraCert = await issueServerCert(certs, 'entra', [ENTRA_HOST]);
    const [entra, refusing] = await Promise.all([startFakeEntra(entraCert, ENTRA_HOST, AAD_TOKEN), startFakeEntra(entraCert, ENTRA_HOST, 'entra-token-acr-refuses')]);
    const tokenPort = new URL(registry.tokenServer!.realm).port;
    const adapter = (authorityHost: string) => acrAdapter({ credential: entraCredential(authorityHost, certs.caCert), exchangeOrigin: `https://${ACR_HOST}:${tokenPort}` });
    return {
      registry: `${ACR_HOST}:${registry.host.split(':')[1]}`,
      adapter: adapter(entra.authorityHost),
      pushOptions: { tls: { caFiles: [registry.caFile!] }, lookup },
      // skopeo would look the ACR name up in real DNS: read with curl at loopback instead.
      readManifest: (repository, tag) => registry.readManifest(repository, tag),
      accessLog: () => registry.accessLog(),
      refused: { adapter: adapter(refusing.authorityHost), secret: 'entra-token-acr-refuses' },
      close: async () => {
        await Promise.all([registry.stop(), entra.close(), refusing.close()]);
      },
    };
  },
});

/**
 * The CLI as a Jenkins agent with an Azure service principal runs it: only AZURE_TENANT_ID,
 * AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, so DefaultAzureCredential finds the credential by
 * itself and MSAL talks to the real authority name, login.microsoftonline.com. The network is a
 * proxy (HTTPS_PROXY) that knows two names: that one, served by the Entra stand-in, and the
 * registry's, served by a front that puts ACR's /oauth2/exchange and /oauth2/token before a real
 * registry; the test CA stands for the public roots (NODE_EXTRA_CA_CERTS).
 */
describe('hoist push to ACR with only the AZURE_* environment', () => {
  const TENANT = 'hoist-tenant';
  const CLIENT = { id: 'hoist-client', secret: 'hoist-client-secret-Zq8' };
  let registry: TestRegistry;
  let front: PathFront;
  let entra: FakeEntra;
  let proxy: CloudProxy;
  let layout: string;
  let image: WrittenImage;
  let caFile: string;

  beforeAll(async () => {
    const certs = await createTestCa(await tempDir());
    caFile = certs.caCert;
    const cloudCert = await issueServerCert(certs, 'cloud', [ACR_HOST, 'login.microsoftonline.com']);
    registry = await startRegistry({
      auth: 'token',
      tls: true,
      realm: `https://${ACR_HOST}/oauth2/token`,
      refreshTokens: { [ACR_REFRESH]: 'hoist' },
      acrExchange: { accessToken: AAD_TOKEN, refreshToken: ACR_REFRESH },
    });
    const tokenService = new URL(registry.tokenServer!.realm).host;
    [front, entra] = await Promise.all([
      startPathFront(cloudCert, registry.caFile!, [
        { prefix: '/oauth2/', upstream: tokenService },
        { prefix: '/v2/', upstream: registry.host },
      ]),
      startFakeEntra(cloudCert, 'login.microsoftonline.com', AAD_TOKEN, { origin: 'https://login.microsoftonline.com', client: CLIENT }),
    ]);
    proxy = await startCloudProxy({ [`${ACR_HOST}:443`]: front.host, 'login.microsoftonline.com:443': entra.address });
    layout = await tempDir();
    image = await makeImageLayout(layout, [64 * 1024, 4 * 1024]);
  });
  afterAll(async () => Promise.all([registry?.stop(), front?.close(), entra?.close(), proxy?.close()]));

  const azureEnv = (secret: string) => ({
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT.id,
    AZURE_CLIENT_SECRET: secret,
    HTTPS_PROXY: proxy.url,
    NODE_EXTRA_CA_CERTS: caFile,
  });

  it('pushes with the service principal, through Entra ID and /oauth2/exchange', async () => {
    const run = await runHoist(['push', layout, `${ACR_HOST}/team/app:v1`], { env: azureEnv(CLIENT.secret) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(image.manifest.digest);
    expect(`${run.stdout}${run.stderr}`).not.toContain(CLIENT.secret);
    expect(entra.calls).toContain('token');
    // Nothing but the two cloud names was asked for: no instance discovery, no metadata endpoint.
    expect(proxy.refused).toEqual([]);
    expect(new Set(proxy.tunnels)).toEqual(new Set([`${ACR_HOST}:443`, 'login.microsoftonline.com:443']));
    expect(sha256(await registry.readManifest('team/app', 'v1'))).toBe(image.manifest.digest);
  });

  it('fails in one line, without the secret, when Entra ID refuses the client secret', async () => {
    const wrong = 'not-the-client-secret-Kx3';
    const run = await runHoist(['push', layout, `${ACR_HOST}/team/app:v2`], { env: azureEnv(wrong) });
    expect(run.code).toBe(1);
    expect(linesBesideStart(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(`getting an Entra ID token for ${ACR_HOST} failed: AuthenticationError (AADSTS7000215: Invalid client secret provided)`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(wrong);
  });
});

describe('ACR with no Azure identity available', () => {
  const admin = { kind: 'basic' as const, username: 'hoistacr', password: 'admin-password-from-docker-login' };
  // EnvironmentCredential with no AZURE_* set: the SDK's own "nothing available here".
  const unavailable = () => new EnvironmentCredential();

  it("takes the fallback chain's credentials (an admin user or a scoped token from docker login)", async () => {
    const adapter = acrAdapter({ credential: unavailable(), fallback: { resolveCredentials: async () => admin } });
    expect(await adapter.resolveCredentials(ACR_HOST, { fetch: async () => ({ status: 500, body: '' }) })).toEqual(admin);
  });

  it('reports the missing identity when the fallback has nothing either', async () => {
    const adapter = acrAdapter({ credential: unavailable(), fallback: { resolveCredentials: async () => undefined } });
    await expect(adapter.resolveCredentials(ACR_HOST, { fetch: async () => ({ status: 500, body: '' }) })).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('CredentialUnavailableError') });
  });
});

describe('ACR refresh tokens, which expire', () => {
  it('carry the expiry their JWT states, and each ask exchanges anew (the Entra token under it comes from the SDK cache)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3 * 3600;
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const refreshToken = `${encode({ alg: 'RS256' })}.${encode({ exp, grant_type: 'refresh_token' })}.signature`;
    const registry = await startRegistry({ auth: 'token', tls: true, dnsNames: [ACR_HOST], realmHost: ACR_HOST, refreshTokens: { [refreshToken]: 'hoist' }, acrExchange: { accessToken: AAD_TOKEN, refreshToken } });
    const certs = await createTestCa(await tempDir());
    const entra = await startFakeEntra(await issueServerCert(certs, 'entra', [ENTRA_HOST]), ENTRA_HOST, AAD_TOKEN);
    const context = adapterContext({ tls: { caFiles: [registry.caFile!] }, lookup });
    let exchanges = 0;
    const counted: CredentialContext = {
      fetch: (url, init) => {
        if (url.pathname === '/oauth2/exchange') exchanges++;
        return context.fetch!(url, init);
      },
    };
    try {
      const adapter = acrAdapter({ credential: entraCredential(entra.authorityHost, certs.caCert), exchangeOrigin: `https://${ACR_HOST}:${new URL(registry.tokenServer!.realm).port}` });
      expect(await adapter.resolveCredentials(ACR_HOST, counted)).toMatchObject({ kind: 'identity-token', token: refreshToken, expiresAt: exp * 1000 });
      expect(await adapter.resolveCredentials(ACR_HOST, { ...counted, refresh: 'expiring' })).toMatchObject({ expiresAt: exp * 1000 });
      expect(exchanges).toBe(2);
      expect(entra.calls.filter((c) => c === 'token')).toHaveLength(1);
    } finally {
      await Promise.all([context.close(), registry.stop(), entra.close()]);
    }
  });
});
