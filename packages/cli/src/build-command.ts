import type { CommandContext } from './push-command.js';
import { runPush } from './push-command.js';
import { BUILD_USAGE, parseBuildArgs } from './build-args.js';

/** `hoist build`: an image made from a base and files, pushed as `push` pushes. */
export async function buildCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { push, build } = parseBuildArgs(argv, context.env);
  if (push.help) {
    context.output.out(BUILD_USAGE);
    return 0;
  }
  // --platform chooses what the build makes; the push then takes all of it.
  return runPush({ ...push, platforms: [] }, context, async (core, { open, signal }) => {
    const base = push.source === 'scratch' ? 'scratch' : await open(push.source);
    try {
      const platforms = push.platforms.map((p) => core.parsePlatform(p));
      return await core.buildImage({ ...build, base, platforms, compression: push.compression, env: context.env, signal });
    } catch (error) {
      if (base !== 'scratch') await base.close?.();
      throw error;
    }
  });
}
