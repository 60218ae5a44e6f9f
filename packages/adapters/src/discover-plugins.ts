import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeModulesDirs } from './plugin-package.js';

/** What a package must be called to be found without a flag. */
const PLUGIN_NAME = /^hoist-adapter-[a-z0-9][\w.-]*$/i;

/**
 * The plugin packages installed where Node.js would find a package for a module in `from`:
 * `hoist-adapter-*` and `@scope/hoist-adapter-*` in each node_modules from `from` up, nearest
 * first, each name once (the nearest copy wins, as it would for an import), alphabetical
 * within one directory so that the order never depends on the file system.
 */
export async function discoverPlugins(from: string): Promise<string[]> {
  const found: string[] = [];
  for (const modules of nodeModulesDirs(from)) {
    const here: string[] = [];
    for (const entry of await readdir(modules).catch(() => [])) {
      if (PLUGIN_NAME.test(entry)) here.push(entry);
      else if (entry.startsWith('@')) {
        for (const scoped of await readdir(join(modules, entry)).catch(() => [])) if (PLUGIN_NAME.test(scoped)) here.push(`${entry}/${scoped}`);
      }
    }
    for (const name of here.sort()) if (!found.includes(name)) found.push(name);
  }
  return found;
}
