import { isLocalSource } from './destination-refs.js';
import { parsePushArgs } from './push-args.js';
import { runPush, type CommandContext } from './push-command.js';
import { UsageError } from './usage-error.js';

export const COPY_USAGE = `Usage: hoist copy [options] <image> <destination>...

Copies an image from a registry to others, as hoist push docker://<image> does: blobs stream
from registry to registry (mounted when both are the same registry), an index whole or only
--platform's, -t tags added. Every option of hoist push applies (see hoist push --help).

  <image>         REGISTRY/REPOSITORY:TAG or @DIGEST (docker:// may be written or not)
`;

export async function copyCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const args = parsePushArgs(argv, context.env);
  if (args.help) {
    context.output.out(COPY_USAGE);
    return 0;
  }
  if (args.plan !== undefined) throw new UsageError('copy copies one image; for many, use hoist push --plan or hoist sync');
  if (isLocalSource(args.source)) throw new UsageError(`copy reads from a registry; for ${args.source}, use hoist push`);
  const source = args.source.startsWith('docker://') ? args.source : `docker://${args.source}`;
  return runPush({ ...args, source }, context, (_core, { open }) => open(source));
}
