import type { LookupFunction } from 'node:net';
import type { CredentialContext, RegistryAdapter } from '../adapter.js';
import { adapterCall } from './adapter-call.js';
import { CredentialSource } from './credential-source.js';
import type { TlsSettings } from './tls-settings.js';
import { readLimitedText, Transport } from './transport.js';

/**
 * The `fetch` an adapter gets in its CredentialContext: requests through a push's transport, so
 * a token exchange with the registry uses the same TLS trust, proxies and name resolution as the
 * push. `adapterContext` makes one outside a push, for an adapter's own tests and tools.
 */
export function transportFetch(transport: Transport, signal?: AbortSignal): NonNullable<CredentialContext['fetch']> {
  return async (url, init) => {
    const res = await transport.request({ ...init, url, ...(signal ? { signal } : {}) });
    return { status: res.status, body: await readLimitedText(res.body) };
  };
}

/** The adapter's credentials for `registry`, each ask made with the transport's `fetch` and stopped with `signal`. */
export function adapterCredentials(adapter: RegistryAdapter, registry: string, transport: Transport, signal: AbortSignal | undefined): CredentialSource {
  return new CredentialSource((refresh) =>
    adapterCall(signal, () => adapter.resolveCredentials(registry, { ...(signal ? { signal } : {}), fetch: transportFetch(transport, signal), ...(refresh ? { refresh } : {}) })),
  );
}

export function adapterContext(options: { tls?: TlsSettings; lookup?: LookupFunction; signal?: AbortSignal } = {}): CredentialContext & { close(): Promise<void> } {
  const transport = new Transport({ ...(options.tls ? { tls: options.tls } : {}), ...(options.lookup ? { lookup: options.lookup } : {}) });
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    fetch: transportFetch(transport, options.signal),
    close: () => transport.close(),
  };
}
