import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PushError } from '@hoist/core';

/** An installed plugin package, found but not yet imported. */
export interface PluginPackage {
  name: string;
  version: string;
  /** The package's directory. */
  dir: string;
  /** The module its `.` export (or `main`) names. */
  entry: string;
}

/** A package name (`name`, `@scope/name`) rather than a path to a module. */
export function isPackageName(spec: string): boolean {
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(spec) && !/\.(c|m)?js$/.test(spec);
}

/**
 * The node_modules directory that holds a module in `from`: the nearest ancestor of that name
 * (`/ci/jobA/node_modules/@hoist/cli/bin` gives `/ci/jobA/node_modules`), or, for a module in
 * no node_modules (the single-file build, a checkout), the one beside it. Only this one: an
 * ancestor's node_modules (`/ci/node_modules`, writable by every job of a shared agent) holds
 * packages nobody installed for this hoist.
 */
export function modulesHolding(from: string): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) if (basename(dir) === 'node_modules') return dir;
  return join(from, 'node_modules');
}

/**
 * Finds an installed package in one of `modules` (node_modules directories, in order; their
 * parents are not searched), without importing it, and names the file it exports: its
 * `exports` entry for `.` (the `import`, `node` or `default` condition), else `main`.
 */
export async function findPackage(name: string, modules: readonly string[]): Promise<PluginPackage | undefined> {
  for (const dir of modules.map((m) => join(m, name))) {
    const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let pkg: { version?: string; main?: string; exports?: unknown };
    try {
      pkg = JSON.parse(text) as typeof pkg;
    } catch {
      throw new PushError('USAGE', `adapter ${name}: ${join(dir, 'package.json')} is not valid JSON; reinstall the package`);
    }
    return { name, version: pkg.version ?? '0.0.0', dir, entry: join(dir, exportedEntry(pkg.exports) ?? pkg.main ?? 'index.js') };
  }
  return undefined;
}

const CONDITIONS = ['import', 'node', 'default'];

function exportedEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportedEntry(map['.']);
  for (const condition of CONDITIONS) {
    const target = exportedEntry(map[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
}
