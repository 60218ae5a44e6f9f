import type { Agent as AgentType, buildConnector as BuildConnector, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import buildConnectorFunction from 'undici/lib/core/connect.js';
import requestApi from 'undici/lib/api/index.js';

/**
 * undici's Agent and request API without the rest of undici. The package's
 * entry point also loads its fetch implementation, whose WebIDL layer pulls in Node's own
 * bundled copy of undici: about 40 ms of every hoist start-up (measured: `import('@hoist/core')`
 * 83 ms with the entry point, 43 ms with these modules), spent on code a push never runs.
 * undici 7 has no `exports` map, so these paths are reachable; their types are declared in
 * undici-internals.d.ts from the package's own. Static imports (not createRequire) let a
 * bundler follow them into the single-file CLI. The entry point would also copy the request
 * API onto Dispatcher.prototype; here it is called on the dispatcher instead, leaving undici's
 * classes as they are. The proxy agents open their tunnels through that prototype API, so a
 * push through a proxy loads the whole package, when it first needs it.
 */
export const Agent: typeof AgentType = AgentClass;

/** undici's own connector, for Transport to watch (connect-watch.ts). */
export const buildConnector: typeof BuildConnector = buildConnectorFunction;

export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return requestApi.request.call(dispatcher, options) as Promise<Dispatcher.ResponseData>;
}

export async function envHttpProxyAgent(options: ConstructorParameters<typeof EnvHttpProxyAgentType>[0]): Promise<EnvHttpProxyAgentType> {
  const { EnvHttpProxyAgent } = await import('undici');
  return new EnvHttpProxyAgent(options);
}
