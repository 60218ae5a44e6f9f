import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

/** The node_modules directories Node.js searches from `from`, nearest first. */
export function nodeModulesDirs(from: string): string[] {
  const dirs: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    if (!dir.endsWith('/node_modules')) dirs.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) return dirs;
  }
}

/**
 * Finds an installed package the way Node.js would for a module in `from` (each ancestor's
 * node_modules, nearest first), without importing it, and names the file it exports: its
 * `exports` entry for `.` (the `import`, `node` or `default` condition), else `main`.
 */
export async function findPackage(name: string, from: string): Promise<PluginPackage | undefined> {
  for (const modules of nodeModulesDirs(from)) {
    const dir = join(modules, name);
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
