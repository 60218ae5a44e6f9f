import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { describeAdapterConformance } from '@hoist/adapter-conformance';
import { acrAdapter } from '@hoist/adapter-acr';
import { createTestCa, issueServerCert, startFakeEntra, startRegistry } from '@hoist/test-registry';
import { loopbackLookup, readManifestWithToken, tempDir } from './helpers.js';

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
      readManifest: (repository, tag) => readManifestWithToken(registry, repository, tag),
      refused: { adapter: adapter(refusing.authorityHost), secret: 'entra-token-acr-refuses' },
      close: async () => {
        await Promise.all([registry.stop(), entra.close(), refusing.close()]);
      },
    };
  },
});
