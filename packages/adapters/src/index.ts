export { adapterChain, defaultAdapters } from './adapter-chain.js';
export type { AdapterChain, AdapterChainOptions, AdapterOrigin } from './adapter-chain.js';
export { discoverPlugins } from './discover-plugins.js';
export { installHint, KNOWN_CLOUD_ADAPTERS, missingAdapterNotices } from './known-adapters.js';
export type { KnownAdapter } from './known-adapters.js';
export { loadPlugin } from './load-plugin.js';
export type { LoadedPlugin } from './load-plugin.js';
