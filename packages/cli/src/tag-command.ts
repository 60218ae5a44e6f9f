import { parseRegistryRef } from './destination-refs.js';
import { linesOf } from './format.js';
import type { CommandContext } from './push-command.js';
import { UsageError } from './usage-error.js';
import { parseVerbArgs, VERB_OPTIONS_USAGE } from './verb-args.js';
import { runVerb } from './verb-run.js';

export const TAG_USAGE = `Usage: hoist tag [options] <image> <tag>...

Gives an image already in a registry more tags in its repository, by manifest: one GET of
<image>, one PUT per tag, no blob moved (promotion: hoist tag registry.corp/app@sha256:... prod).
Prints each new reference with the digest it names (REGISTRY/REPOSITORY:TAG@DIGEST).

  <image>         REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@DIGEST (a digest is safest:
                  the tag cannot have moved since the pipeline pushed it)

Options:
${VERB_OPTIONS_USAGE}

Exit status: 0 tagged, 1 the registry refused or has no such image, 2 usage or input error.
`;

export async function tagCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { push, positionals } = parseVerbArgs(argv, context.env, {});
  if (push.help) {
    context.output.out(TAG_USAGE);
    return 0;
  }
  if (positionals.length < 2) throw new UsageError('tag needs an image and at least one new tag');
  const [image, ...tags] = positionals as [string, ...string[]];
  return runVerb(
    push,
    context,
    (core) => {
      const reference = parseRegistryRef(image, core.parseReference, 'image');
      // Each tag checked before any request, as the registry would read it.
      for (const tag of tags) if (!isTag(core, `${reference.registry}/${reference.repository}`, tag)) throw new UsageError(`"${tag}" is not a tag (letters, digits, _ . -, up to 128, not starting with . or -)`);
      return reference;
    },
    async ({ core, pool, signal }, reference) => {
      const { digest } = await core.tagImage(pool, reference, tags, signal);
      const refs = tags.map((tag) => `${reference.registry}/${reference.repository}:${tag}@${digest}`);
      const lines = linesOf(context.output);
      if (push.json) lines.json({ type: 'tagged', image, digest, references: refs });
      else for (const ref of refs) lines.out(ref);
    },
  );
}

function isTag(core: typeof import('@hoist/core'), repository: string, tag: string): boolean {
  try {
    return core.parseReference(`${repository}:${tag}`).tag === tag;
  } catch {
    return false;
  }
}
