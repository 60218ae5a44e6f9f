import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What a package must be called to be found without a flag. */
const PLUGIN_NAME = /^hoist-adapter-[a-z0-9][\w.-]*$/i;

/**
 * The plugin packages installed in the node_modules directory `modules` (see modulesHolding):
 * `hoist-adapter-*` and `@scope/hoist-adapter-*`, alphabetical so that the order never depends
 * on the file system. Its parents are not searched.
 */
export async function discoverPlugins(modules: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(modules).catch(() => [])) {
    if (PLUGIN_NAME.test(entry)) found.push(entry);
    else if (entry.startsWith('@')) {
      for (const scoped of await readdir(join(modules, entry)).catch(() => [])) if (PLUGIN_NAME.test(scoped)) found.push(`${entry}/${scoped}`);
    }
  }
  return found.sort();
}
