import { droppedLine, linesOf } from './format.js';
import { UsageError } from './usage-error.js';
import type { CommandContext } from './push-command.js';
import { parseRegistryRef } from './destination-refs.js';
import { parseVerbArgs, VERB_OPTIONS_USAGE } from './verb-args.js';
import { runVerb } from './verb-run.js';

export const LS_USAGE = `Usage: hoist ls [options] <repository>

The tags of REGISTRY/REPOSITORY, one per line, every page of the registry's list followed.

Options:
${VERB_OPTIONS_USAGE}

Exit status: 0 listed, 1 the registry refused or has no such repository, 2 usage or input error.
`;

export async function lsCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { push, positionals } = parseVerbArgs(argv, context.env, {});
  if (push.help) {
    context.output.out(LS_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`ls takes one repository, not ${positionals.length}`);
  const text = positionals[0]!;
  return runVerb(
    push,
    context,
    (core) => {
      const repository = parseRegistryRef(text, core.parseReference, 'repository');
      if (repository.tag !== undefined || repository.digest !== undefined) throw new UsageError(`ls lists a repository: give ${repository.registry}/${repository.repository}, without a tag or digest`);
      return repository;
    },
    async ({ pool }, repository) => {
      const lines = linesOf(context.output);
      const { tags, invalid } = await pool.reader(repository.registry).listTags(repository.repository);
      if (invalid.length > 0) lines.err(droppedLine(text, 'names that are not tags', invalid));
      if (push.json) lines.json({ type: 'tags', repository: text, tags, ...(invalid.length > 0 ? { invalid } : {}) });
      else for (const tag of tags) lines.out(tag);
    },
  );
}
