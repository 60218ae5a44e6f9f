import { readFileSync } from 'node:fs';
import { createOutput, type Output, type Streams } from './output.js';
import { installWarningPrinter } from './process-warnings.js';
import { printable } from './format.js';
import { UsageError } from './usage-error.js';

const USAGE = `hoist: build and push container images to OCI registries

Usage:
  hoist push [options] <source> <destination>...   (see hoist push --help)
  hoist push [options] --plan FILE                  (many images as one push)
  hoist build --from BASE [options] <destination>... (see hoist build --help)
  hoist sync [options] <source>... <registry[/prefix]> (mirror tags; see hoist sync --help)
  hoist copy [options] <image> <destination>...     (registry to registry; see hoist copy --help)
  hoist tag [options] <image> <tag>...              (new tags by manifest, no blob moved)
  hoist inspect [options] [--raw] <image>           (digest, platforms, size, config)
  hoist digest [options] <image>                    (only the digest)
  hoist ls [options] <repository>                   (the repository's tags)
  hoist attach --artifact-type TYPE [--file PATH]... <image>  (an SBOM, provenance: OCI referrers)
  hoist referrers [--artifact-type TYPE] <image>    (what refers to an image)
  hoist login [options] <registry>                  (see hoist login --help)
  hoist logout <registry>
  hoist adapters [--adapter PACKAGE|PATH]... [--json]  (the registry adapters a push tries)
  hoist --version
  hoist --help
`;

export interface MainIo extends Streams {
  stdin: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Set by the single-file build (scripts/bundle.mjs), which has no package.json beside it. */
declare const HOIST_BUNDLED_VERSION: string | undefined;

export function version(): string {
  if (typeof HOIST_BUNDLED_VERSION === 'string') return HOIST_BUNDLED_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: readonly string[], io: MainIo = processIo()): Promise<number> {
  const output = createOutput(io);
  const code = await run(argv, io, output);
  // A write's failure is reported after the write: wait for the last one before judging.
  await new Promise((resolve) => (io.stdout.writable === false ? setImmediate(resolve) : io.stdout.write('', resolve)));
  const lost = output.lostOutput();
  if (lost === undefined) return code;
  output.err(`hoist: error: standard output could not be written (${lost}): this run's results are lost; give it a file system with room`);
  return code === 0 ? 1 : code;
}

async function run(argv: readonly string[], io: MainIo, output: Output): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      output.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V') {
      output.out(`hoist ${version()}`);
      return 0;
    }
    const context = { output, stdin: io.stdin, env: io.env ?? process.env, signal: io.signal ?? new AbortController().signal };
    // Commands load on demand, so that --version and --help never load the engine.
    if (command === 'push') return await (await import('./push-command.js')).pushCommand(rest, context);
    if (command === 'sync') return await (await import('./sync-command.js')).syncCommand(rest, context);
    if (command === 'copy') return await (await import('./copy-command.js')).copyCommand(rest, context);
    if (command === 'tag') return await (await import('./tag-command.js')).tagCommand(rest, context);
    if (command === 'inspect' || command === 'digest') return await (await import('./inspect-command.js')).inspectCommand(rest, context, command);
    if (command === 'attach' || command === 'referrers') return await (await import('./attach-command.js')).attachCommand(rest, context, command);
    if (command === 'ls') return await (await import('./ls-command.js')).lsCommand(rest, context);
    if (command === 'build') return await (await import('./build-command.js')).buildCommand(rest, context);
    if (command === 'login') return await (await import('./login-command.js')).loginCommand(rest, context);
    if (command === 'logout') return await (await import('./login-command.js')).logoutCommand(rest, context);
    if (command === 'adapters') return await (await import('./adapters-command.js')).adaptersCommand(rest, context);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      // The verb's own help lists its options; the top-level one lists only the verbs.
      const help = command !== undefined && VERBS_WITH_HELP.has(command) ? `hoist ${command} --help` : 'hoist --help';
      output.err(`hoist: error: ${printable(error.message)} (see ${help})`);
      return 2;
    }
    // A bug of hoist's own: still one line, never a stack trace in a pipeline's log.
    output.err(`hoist: internal error: ${printable(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
}

/** Every verb answers --help with its own options. */
const VERBS_WITH_HELP = new Set(['push', 'sync', 'copy', 'tag', 'inspect', 'digest', 'attach', 'referrers', 'ls', 'build', 'login', 'logout', 'adapters']);

/** The real process: SIGINT and SIGTERM abort the push, which then exits 130 or 143. */
function processIo(): MainIo {
  installWarningPrinter(process.stderr);
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.once(name, () => controller.abort(name));
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: controller.signal };
}
