import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/**
 * `hoist push` options. There is deliberately no `--password`: a secret in argv shows up in
 * `ps`, in shell history and in Jenkins' command echo. Passwords come on stdin.
 */
export const PUSH_USAGE = `Usage: hoist push [options] <source> <destination>...

  <source>        OCI layout directory (or oci:PATH[:REF])
  <destination>   image reference; several destinations are allowed

Options:
  -t, --tag TAG           extra tag at every destination (repeatable)
  -u, --username USER     with --password-stdin (first line of stdin)
      --password-stdin    read the password or token from standard input
      --ca-file PATH      trust this PEM bundle in addition to the system roots (repeatable)
      --plain-http HOST   allow plain HTTP to HOST (loopback needs no flag; repeatable)
  -j, --concurrency N     blob transfers at once per registry (default 4)
      --digest-file PATH  write the pushed manifest digest to PATH
      --no-mount-cache    do not read or write the local cache of blob locations
      --json              one JSON object per line on stdout; the last is a summary
  -v, --verbose           more detail, including the causes of errors
  -q, --quiet             print only the digest
  -h, --help              show this help

Exit status: 0 pushed, 1 the push failed (network, auth, registry), 2 usage or input error.
`;

export interface PushArgs {
  source: string;
  destinations: string[];
  tags: string[];
  username?: string;
  passwordStdin: boolean;
  caFiles: string[];
  plainHttp: string[];
  concurrency?: number;
  digestFile?: string;
  mountCache: boolean;
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  help: boolean;
}

export function parsePushArgs(argv: readonly string[]): PushArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        tag: { type: 'string', short: 't', multiple: true },
        username: { type: 'string', short: 'u' },
        'password-stdin': { type: 'boolean' },
        'ca-file': { type: 'string', multiple: true },
        'plain-http': { type: 'string', multiple: true },
        concurrency: { type: 'string', short: 'j' },
        'digest-file': { type: 'string' },
        'no-mount-cache': { type: 'boolean' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const help = values.help ?? false;
  if (!help && positionals.length < 2) throw new UsageError('push needs a source and at least one destination');
  if (values.username !== undefined && !values['password-stdin']) {
    throw new UsageError('--username needs --password-stdin (passwords are never taken on the command line)');
  }
  if (values['password-stdin'] && values.username === undefined) throw new UsageError('--password-stdin needs --username');
  if (values.quiet && values.verbose) throw new UsageError('--quiet and --verbose exclude each other');

  return {
    source: positionals[0] ?? '',
    destinations: positionals.slice(1),
    tags: values.tag ?? [],
    ...(values.username === undefined ? {} : { username: values.username }),
    passwordStdin: values['password-stdin'] ?? false,
    caFiles: values['ca-file'] ?? [],
    plainHttp: (values['plain-http'] ?? []).map((h) => h.toLowerCase()),
    ...(values.concurrency === undefined ? {} : { concurrency: parseConcurrency(values.concurrency) }),
    ...(values['digest-file'] === undefined ? {} : { digestFile: values['digest-file'] }),
    mountCache: !(values['no-mount-cache'] ?? false),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    quiet: values.quiet ?? false,
    help,
  };
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency takes a whole number from 1 to 64, not "${value}"`);
  return n;
}
