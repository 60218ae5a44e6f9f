import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The directory of the hoist that is running (npm's bin link followed). The node_modules that
 * holds it (a project's, npm's global one, or the one next to the single file) holds the plugin
 * packages installed beside it; no parent of it is searched (a shared agent's workspace
 * node_modules is anyone's), and neither is the working directory: a checkout's node_modules
 * must not add code to a push unasked. None when there is no script (plugins then only by name).
 */
export function hoistDirectory(): string | false {
  const script = process.argv[1];
  // No script to follow (node -e, an embedding): no plugin is found, rather than the working directory's.
  if (!script) return false;
  try {
    return dirname(realpathSync(script));
  } catch {
    return false;
  }
}
