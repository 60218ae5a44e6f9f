import { PushError, type AdapterFactoryOptions, type Credential, type RegistryAdapter } from '@hoist/core';
import { dockerHubAdapter } from '@hoist/adapter-dockerhub';
import { ghcrAdapter } from '@hoist/adapter-ghcr';
import { harborAdapter } from '@hoist/adapter-harbor';
import { quayAdapter } from '@hoist/adapter-quay';
import { genericAdapter, type GenericAdapterOptions } from '@hoist/adapter-generic';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPlugins } from './discover-plugins.js';
import { KNOWN_CLOUD_ADAPTERS, type KnownAdapter } from './known-adapters.js';
import { loadPlugin } from './load-plugin.js';
import { modulesHolding } from './plugin-package.js';

/**
 * The adapters a push tries, first match wins:
 * 1. the plugins given (`--adapter`, the `plugins` option), in order;
 * 2. the plugins `HOIST_ADAPTERS` names (comma-separated), in order;
 * 3. `hoist-adapter-*` and `@scope/hoist-adapter-*` packages installed beside hoist: in the one
 *    node_modules that holds `pluginsFrom`, never its parents (see modulesHolding);
 * 4. hoist's own cloud adapters that are installed (ECR, GCR, ACR: optional peers, so a pipeline
 *    installs only the clouds it pushes to, and an SDK loads only for its own hosts);
 * 5. Harbor (the hosts HARBOR_HOST names), GitHub Container Registry (GITHUB_TOKEN or
 *    GH_TOKEN), Quay (quay.io and the hosts QUAY_HOST names) and Docker Hub;
 * 6. the generic catch-all, last, whose Docker-style credential chain every other adapter is
 *    given to fall back on.
 * Credentials given explicitly (`--username`) win in every adapter. A plugin named twice loads once,
 * at its first place.
 */
export interface AdapterChainOptions {
  /** The generic adapter's: explicit credentials, config.json location. */
  credentials?: GenericAdapterOptions;
  /** Create a missing repository where the registry needs it (ECR). */
  createRepository?: boolean;
  /** Plugins to put first: package names or paths to modules. */
  plugins?: readonly string[];
  /**
   * Where installed plugin packages are looked for: the node_modules that holds this directory
   * (or the one beside it, if none does), not its parents. The CLI gives its own directory; by
   * default, this package's own, so that a library finds what is installed beside it, as the
   * CLI does; false for none. Plugins named in `plugins` or HOIST_ADAPTERS are also looked for
   * in the working directory's own node_modules.
   */
  pluginsFrom?: string | false;
  /** For HOIST_ADAPTERS, and given to every factory. Default: the process's. */
  env?: NodeJS.ProcessEnv;
  /** Sees every credential any adapter hands out, so that output can mask it. */
  onCredential?: (credential: Credential) => void;
  /** Replaces hoist's known cloud adapters (tests). */
  clouds?: readonly KnownAdapter[];
}

type PluginKind = 'given' | 'HOIST_ADAPTERS' | 'found';

/** Where an adapter of the chain came from, for `hoist adapters`. */
export type AdapterOrigin =
  | { kind: PluginKind; spec: string; file: string; package?: { name: string; version: string } }
  | { kind: 'cloud'; package: string }
  | { kind: 'built-in' };

export interface AdapterChain {
  adapters: RegistryAdapter[];
  /** Each adapter's origin, in the same order. */
  origins: AdapterOrigin[];
  /** Packages of hoist's cloud adapters that are not installed. */
  missing: Set<string>;
}

export async function adapterChain(options: AdapterChainOptions = {}): Promise<AdapterChain> {
  const env = options.env ?? process.env;
  const generic = genericAdapter({ env, ...options.credentials });
  const factoryOptions: AdapterFactoryOptions = { env, fallback: generic, createRepository: options.createRepository ?? false };
  const chain: { adapter: RegistryAdapter; origin: AdapterOrigin }[] = [];

  const pluginsFrom = options.pluginsFrom === undefined ? ownDirectory() : options.pluginsFrom;
  const modules = pluginsFrom === false ? undefined : modulesHolding(pluginsFrom);
  // A name given on purpose is also looked for in the working directory's node_modules; a found one is not.
  const namedIn = [...new Set([...(modules ? [modules] : []), join(process.cwd(), 'node_modules')])];
  const named: (readonly [PluginKind, string])[] = [
    ...(options.plugins ?? []).map((spec) => ['given', spec] as const),
    ...splitList(env['HOIST_ADAPTERS']).map((spec) => ['HOIST_ADAPTERS', spec] as const),
    ...(modules ? await discoverPlugins(modules) : []).map((spec) => ['found', spec] as const),
  ];
  const loaded = new Set<string>();
  for (const [kind, spec] of named) {
    if (loaded.has(spec)) continue;
    loaded.add(spec);
    const plugin = kind === 'found' && modules ? await loadPlugin(spec, [modules], factoryOptions, true) : await loadPlugin(spec, namedIn, factoryOptions);
    chain.push({ adapter: plugin.adapter, origin: { kind, spec, file: plugin.file, ...(plugin.package ? { package: plugin.package } : {}) } });
  }

  const missing = new Set<string>();
  for (const cloud of options.clouds ?? KNOWN_CLOUD_ADAPTERS) {
    const adapter = await cloud.load(factoryOptions).catch((error: unknown) => {
      if (!isMissingPackage(error, cloud.package)) {
        // Installed but broken (a torn install, a tarball for another Node.js): one line, not an internal error.
        throw new PushError('USAGE', `${cloud.package} is installed but could not be loaded: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}; reinstall it, or remove it to push with Docker-style credentials`);
      }
      missing.add(cloud.package);
      return undefined;
    });
    if (adapter) chain.push({ adapter, origin: { kind: 'cloud', package: cloud.package } });
  }
  // Harbor owns only the hosts HARBOR_HOST names: without it, it claims nothing.
  chain.push({ adapter: harborAdapter({ env, fallback: generic }), origin: { kind: 'built-in' } });
  chain.push({ adapter: ghcrAdapter({ env, fallback: generic }), origin: { kind: 'built-in' } });
  chain.push({ adapter: quayAdapter({ env, fallback: generic }), origin: { kind: 'built-in' } });
  chain.push({ adapter: dockerHubAdapter({ credentials: generic }), origin: { kind: 'built-in' } });

  const explicit = options.credentials?.explicit;
  const adapters = [...chain.map((c) => explicitFirst(c.adapter, explicit)), generic].map((a) => (options.onCredential ? observed(a, options.onCredential) : a));
  return { adapters, origins: [...chain.map((c) => c.origin), { kind: 'built-in' }], missing };
}

/** The chain's adapters alone: what a library's push takes as `adapters`. */
export async function defaultAdapters(options: AdapterChainOptions = {}): Promise<RegistryAdapter[]> {
  return (await adapterChain(options)).adapters;
}

/** This package's directory; none in a bundle that has no module URL (the single-file CLI gives its own). */
function ownDirectory(): string | false {
  const url = import.meta.url as string | undefined;
  return url ? dirname(fileURLToPath(url)) : false;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The adapter, with every credential it resolves shown to `see` on its way to the engine. */
function observed(adapter: RegistryAdapter, see: (credential: Credential) => void): RegistryAdapter {
  return withCredentials(adapter, async (registry, context) => {
    const credential = await adapter.resolveCredentials(registry, context);
    if (credential) see(credential);
    return credential;
  });
}

/** Credentials given on the command line win over any adapter's own way of finding them. */
function explicitFirst(adapter: RegistryAdapter, explicit: GenericAdapterOptions['explicit']): RegistryAdapter {
  if (!explicit) return adapter;
  const given: Credential = { kind: 'basic', username: explicit.username, password: explicit.password, source: explicit.source ?? 'the command line' };
  return withCredentials(adapter, (registry, context) => (explicit.registries.includes(registry) ? Promise.resolve(given) : adapter.resolveCredentials(registry, context)));
}

/**
 * The adapter with another way to resolve credentials and everything else its own: a proxy,
 * not a copy, because a plugin written as a class keeps its methods on the prototype, where
 * an object spread does not look.
 */
function withCredentials(adapter: RegistryAdapter, resolveCredentials: RegistryAdapter['resolveCredentials']): RegistryAdapter {
  return new Proxy(adapter, {
    get: (target, key, receiver) => (key === 'resolveCredentials' ? resolveCredentials : Reflect.get(target, key, receiver)),
  });
}

/** Only the adapter package itself being absent counts; a broken install still fails loudly. */
function isMissingPackage(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return e?.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(`'${name}'`);
}
