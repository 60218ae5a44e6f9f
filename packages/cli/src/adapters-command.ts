import type { AdapterOrigin } from '@hoist/adapters';
import { describeFailure } from './describe-failure.js';
import { linesOf } from './format.js';
import { hoistDirectory } from './hoist-directory.js';
import { parseOptions } from './parse-options.js';
import type { CommandContext } from './push-command.js';
import { UsageError } from './usage-error.js';

/**
 * `hoist adapters` lists the registry adapters a push would try, in the order it tries them,
 * with where each came from: plugins given with --adapter or HOIST_ADAPTERS, plugin packages
 * installed beside hoist, hoist's own cloud adapters, Docker Hub, and the generic one last.
 */
export const ADAPTERS_USAGE = `Usage: hoist adapters [--adapter PACKAGE|PATH]... [--json]

The registry adapters a push tries, first match wins, and where each came from:
  1. --adapter PACKAGE|PATH, in order        3. hoist-adapter-* and @scope/hoist-adapter-*
  2. HOIST_ADAPTERS=a,b (packages or paths)     packages in the node_modules that holds hoist
                                                (not its parents, not the working directory)
  4. hoist's cloud adapters that are installed (@hoist/adapter-ecr, -gcr, -acr)
  5. Harbor (HARBOR_HOST), GitHub Container Registry, Docker Hub; 6. generic

  --json                  one JSON object on stdout
  -h, --help              show this help
`;

const OPTIONS = {
  adapter: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function adaptersCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) {
    context.output.out(ADAPTERS_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`adapters takes no arguments, not "${positionals[0]}"`);
  try {
    const { adapterChain, installHint, KNOWN_CLOUD_ADAPTERS } = await import('@hoist/adapters');
    const chain = await adapterChain({ plugins: values.adapter ?? [], pluginsFrom: hoistDirectory(), env: context.env });
    const notInstalled = KNOWN_CLOUD_ADAPTERS.filter((k) => chain.missing.has(k.package));
    const rows = chain.adapters.map((adapter, i) => ({ name: adapter.name, ...chain.origins[i]! }));
    // A plugin's name and its package's are its own text: printed escaped, as a registry's are.
    const lines = linesOf(context.output);
    if (values.json) {
      lines.json({ adapters: rows, notInstalled: notInstalled.map((k) => k.package) });
      return 0;
    }
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const row of rows) lines.out(`${row.name.padEnd(width)}  ${describeOrigin(row)}`);
    for (const known of notInstalled) lines.out(`not installed: ${known.package} (${known.cloud}; ${installHint(known)})`);
    return 0;
  } catch (error) {
    const failure = describeFailure(error, false, context.signal);
    context.output.err(`hoist: error: ${failure.message}`);
    return failure.exitCode;
  }
}

function describeOrigin(origin: AdapterOrigin): string {
  switch (origin.kind) {
    case 'built-in':
      return "hoist's own";
    case 'cloud':
      return `${origin.package}, hoist's cloud adapter, installed`;
    default: {
      const where = { given: `--adapter ${origin.spec}`, HOIST_ADAPTERS: `HOIST_ADAPTERS ${origin.spec}`, found: 'installed beside hoist' }[origin.kind];
      const pkg = origin.package ? `${origin.package.name} ${origin.package.version}, ` : '';
      return `${pkg}${where} (${origin.file})`;
    }
  }
}
