import type { Credential } from '../adapter.js';
import { CredentialSource } from './credential-source.js';
import { PushError } from '../errors.js';
import { RegistryClient } from './registry-client.js';
import { registryError } from './registry-error.js';
import type { TlsSettings } from './tls-settings.js';
import { Transport } from './transport.js';

/**
 * What `hoist login` checks before it stores anything, as `docker login` does: the registry
 * accepts the credential, at its token service or for Basic auth, on `GET /v2/`.
 */
export interface CheckLoginOptions {
  /** `host[:port]` that serves the API. */
  host: string;
  credential: Credential;
  tls?: TlsSettings;
  plainHttp?: boolean;
  /** Stops the check: a signal, the time limit. */
  signal?: AbortSignal;
}

export async function checkLogin(options: CheckLoginOptions): Promise<void> {
  const transport = new Transport(options.tls ? { tls: options.tls } : {});
  try {
    const client = new RegistryClient({
      transport,
      host: options.host,
      plainHttp: options.plainHttp ?? false,
      credentials: new CredentialSource(async () => options.credential),
      retryPolicy: { retries: 1, baseDelayMs: 250, maxDelayMs: 1000, maxRetryAfterMs: 10_000 },
    });
    const res = await client.send({ method: 'GET', target: '/v2/', scopes: [], ...(options.signal ? { signal: options.signal } : {}) });
    if (res.status === 200) {
      await res.body.dump();
      return;
    }
    if (res.status === 401) {
      await res.body.dump();
      throw new PushError('UNAUTHORIZED', `login to ${options.host} failed: the registry refused the credentials`, { status: 401 });
    }
    throw await registryError(res, `login to ${options.host}`);
  } finally {
    await transport.close();
  }
}
