import { createRequire } from 'node:module';
import type { Agent as AgentType, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType } from 'undici';

/**
 * undici's Agent and request API without the rest of undici. The package's
 * entry point also loads its fetch implementation, whose WebIDL layer pulls in Node's own
 * bundled copy of undici: about 40 ms of every hoist start-up (measured: `import('@hoist/core')`
 * 83 ms with the entry point, 43 ms with these modules), spent on code a push never runs.
 * undici 7 has no `exports` map, so these paths are reachable; the types are the package's own.
 * The entry point would also copy the request API onto Dispatcher.prototype; here it is called
 * on the dispatcher instead, leaving undici's classes as they are. The proxy agents open their
 * tunnels through that prototype API, so a push through a proxy loads the whole package.
 */
const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentType;
const api = require('undici/lib/api/index.js') as { request: Dispatcher['request'] };

export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return api.request.call(dispatcher, options) as Promise<Dispatcher.ResponseData>;
}

export function envHttpProxyAgent(options: ConstructorParameters<typeof EnvHttpProxyAgentType>[0]): EnvHttpProxyAgentType {
  const { EnvHttpProxyAgent } = require('undici') as { EnvHttpProxyAgent: typeof EnvHttpProxyAgentType };
  return new EnvHttpProxyAgent(options);
}
