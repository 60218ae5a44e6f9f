import { selectAdapter } from '../adapter.js';
import { PushError } from '../errors.js';
import type { RegistrySourceOptions } from '../sources/registry-source.js';
import { adapterCall } from './adapter-call.js';
import { transportFetch } from './adapter-context.js';
import { RegistryClient } from './registry-client.js';
import { Transport } from './transport.js';

/**
 * A client for reading from `registry` (a `docker://` source, a sync's lookups), with a
 * transport of its own that the caller closes: the adapter that owns the registry supplies its
 * API host and credentials, and its work stops with `options.signal`.
 */
export function readingClient(registry: string, options: RegistrySourceOptions): { client: RegistryClient; transport: Transport } {
  const adapter = selectAdapter(options.adapters, registry);
  if (!adapter) throw new PushError('USAGE', `no registry adapter handles ${registry}`);
  const signal = options.signal;
  const transport = new Transport({ ...(options.tls ? { tls: options.tls } : {}), ...(options.lookup ? { lookup: options.lookup } : {}) });
  const client = new RegistryClient({
    transport,
    host: adapter.apiHost?.(registry) ?? registry,
    plainHttp: options.plainHttpHosts?.includes(registry) ?? false,
    credential: () => adapterCall(signal, () => adapter.resolveCredentials(registry, { ...(signal ? { signal } : {}), fetch: transportFetch(transport, signal) })),
    ...(options.onSecret ? { onSecret: options.onSecret } : {}),
  });
  return { client, transport };
}
