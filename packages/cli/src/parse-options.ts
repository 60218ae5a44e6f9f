import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/**
 * node:util's parseArgs, with its mistakes turned into one line a user can act on: an unknown
 * option names the nearest one hoist has (`--digestfile` → `--digest-file`), and the ways other
 * tools take a secret in argv get hoist's way instead, rather than parseArgs' advice about
 * positionals.
 */
type Options = NonNullable<ParseArgsConfig['options']>;

const SECRET_IN_ARGV = 'hoist takes no secret on the command line: use --username with --password-env VAR or --password-stdin';
/** skopeo's, crane's and docker's spellings that have no counterpart by name. */
const FOREIGN: Readonly<Record<string, string>> = { password: SECRET_IN_ARGV, p: SECRET_IN_ARGV, creds: SECRET_IN_ARGV, 'dest-creds': SECRET_IN_ARGV };

type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: T }>>;

export function parseOptions<T extends Options>(argv: readonly string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
      const foreign = FOREIGN[unknown.replace(/^-+/, '').split('=')[0]!];
      if (foreign) throw new UsageError(`unknown option ${unknown}: ${foreign}`);
      const near = nearestOption(unknown, Object.keys(options));
      throw new UsageError(`unknown option ${unknown}${near ? `; did you mean --${near}?` : ''}`);
    }
    throw new UsageError((error as Error).message);
  }
}

/** The option whose name is the same but for dashes and case, or within two edits of it. */
export function nearestOption(given: string, names: readonly string[]): string | undefined {
  const bare = given.replace(/^-+/, '').split('=')[0]!.toLowerCase();
  const squash = (name: string) => name.replace(/[-_]/g, '');
  const same = names.find((name) => squash(name) === squash(bare));
  if (same) return same;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(bare, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
