import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The directory of the hoist that is running (npm's bin link followed), whose node_modules, and
 * its parents', hold the plugin packages installed beside it: a project's node_modules, npm's
 * global one, or a node_modules next to the single file. The working directory is not searched:
 * a checkout's node_modules must not add code to a push unasked.
 */
export function hoistDirectory(): string {
  const script = process.argv[1];
  if (!script) return process.cwd();
  try {
    return dirname(realpathSync(script));
  } catch {
    return process.cwd();
  }
}
