import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RegistryAdapter } from '@hoist/core';
import { UsageError } from './usage-error.js';

/**
 * `--adapter ./my-adapter.js`: a module whose default export is a RegistryAdapter, or a function
 * (possibly async) that returns one. It is tried before hoist's own adapters, so a team's
 * in-house registry plugin needs no fork of the CLI.
 */
export async function loadCustomAdapter(path: string): Promise<RegistryAdapter> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') throw new UsageError(`--adapter ${path}: no such module`);
    throw new UsageError(`--adapter ${path} could not be loaded: ${firstLine(error)}`);
  }
  const exported = module.default;
  const adapter = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!isAdapter(adapter)) throw new UsageError(`--adapter ${path} must export by default a registry adapter (name, matches, resolveCredentials, capabilities) or a function returning one`);
  return adapter;
}

function isAdapter(value: unknown): value is RegistryAdapter {
  const a = value as Partial<RegistryAdapter> | undefined;
  return typeof a?.name === 'string' && typeof a.matches === 'function' && typeof a.resolveCredentials === 'function' && typeof a.capabilities === 'function';
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
