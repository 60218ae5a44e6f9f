import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PushError, type AdapterFactoryOptions, type RegistryAdapter } from '@hoist/core';
import { findPackage, isPackageName } from './plugin-package.js';

/** A plugin, loaded: the adapter it made and the file it came from (with its package, if any). */
export interface LoadedPlugin {
  adapter: RegistryAdapter;
  file: string;
  package?: { name: string; version: string };
}

/**
 * Loads a plugin named by a package name (found in one of the node_modules directories
 * `modules`, in order) or by a path to a module (from the working directory). Its default export is an adapter, or a factory
 * (possibly async) that is given `options` and returns one. Anything else fails in one line.
 * A package found in `modules` is given with `asPackage`: its name may read like a path
 * (`hoist-adapter-nexus.js`, as `chart.js`), and must never be looked for from the working directory.
 */
export async function loadPlugin(spec: string, modules: readonly string[], options: AdapterFactoryOptions, asPackage = isPackageName(spec)): Promise<LoadedPlugin> {
  let file = resolve(spec);
  let pkg: LoadedPlugin['package'];
  if (asPackage) {
    const found = await findPackage(spec, modules);
    if (!found) throw usage(`adapter ${spec}: no such package in ${modules.join(' or ')}; npm install it beside hoist, or give a path`);
    file = found.entry;
    pkg = { name: found.name, version: found.version };
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && !pkg) throw usage(`adapter ${spec}: no such module`);
    throw usage(`adapter ${spec} could not be loaded: ${firstLine(error)}`);
  }
  const exported = module.default;
  let adapter: unknown;
  try {
    adapter = typeof exported === 'function' ? await (exported as (o: AdapterFactoryOptions) => unknown)(options) : exported;
  } catch (error) {
    throw usage(`adapter ${spec}: its factory failed: ${firstLine(error)}`);
  }
  if (!isAdapter(adapter)) throw usage(`adapter ${spec} must export by default a registry adapter (name, matches, resolveCredentials, capabilities) or a function returning one`);
  return { adapter, file, ...(pkg ? { package: pkg } : {}) };
}

function isAdapter(value: unknown): value is RegistryAdapter {
  const a = value as Partial<RegistryAdapter> | undefined;
  return typeof a?.name === 'string' && typeof a.matches === 'function' && typeof a.resolveCredentials === 'function' && typeof a.capabilities === 'function';
}

function usage(message: string): PushError {
  return new PushError('USAGE', message);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
