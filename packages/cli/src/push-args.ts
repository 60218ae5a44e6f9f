import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionArgs, type ConnectionArgs } from './connection-options.js';
import { UsageError } from './usage-error.js';

/**
 * `hoist push` options. There is deliberately no `--password`: a secret in argv shows up in
 * `ps`, in shell history and in Jenkins' command echo. Passwords come on stdin.
 */
export const PUSH_USAGE = `Usage: hoist push [options] <source> <destination>...

  <source>        docker-daemon:NAME[:TAG] (an image in the Docker daemon at DOCKER_HOST),
                  docker://REF (an image in a registry), an OCI layout directory, OCI archive
                  or docker save tarball (recognised by content), or oci:PATH[:REF],
                  oci-archive:PATH[:REF], docker-archive:PATH[:REPO:TAG|@N]
  <destination>   image reference, or oci:DIR[:REF] to write an OCI layout; several are allowed

Options:
  -t, --tag TAG           extra tag at every destination (repeatable)
      --platform OS/ARCH[/VARIANT]  push only these entries of an index (repeatable)
      --all-platforms     push every entry of an index (the default)
${CONNECTION_USAGE}
  -j, --concurrency N     blob transfers at once per registry (default 4)
      --retries N         retries of a failing request or blob upload (default 5)
      --timeout DURATION  give up on the whole push after this long (default 30m; e.g. 90s, 10m)
      --digest-file PATH  write the pushed manifest digest to PATH
      --compression gzip|none  how uncompressed layers are sent (default gzip)
      --compression-level N    gzip level 1-9 (default 6)
      --create-repository create a missing repository where the registry needs it (ECR)
      --adapter PATH      load a registry adapter module, tried before hoist's own (repeatable)
      --resolve HOST:ADDRESS  connect to ADDRESS for HOST (split-horizon DNS, tests; repeatable)
      --no-cache          do not read or write hoist's local caches (blob locations, compressed layers)
      --json              one JSON object per line on stdout; the last is a summary
  -v, --verbose           more detail, including the causes of errors
  -q, --quiet             print only the digest
  -h, --help              show this help

Exit status: 0 pushed, 1 the push failed (network, auth, registry), 2 usage or input error.
`;

export interface PushArgs extends ConnectionArgs {
  source: string;
  destinations: string[];
  tags: string[];
  platforms: string[];
  concurrency?: number;
  retries?: number;
  timeoutMs: number;
  digestFile?: string;
  cache: boolean;
  createRepository: boolean;
  /** Adapter modules from --adapter, in order. */
  adapters: string[];
  /** Host name → address, from --resolve. */
  resolve: Record<string, string>;
  compression: { format: 'gzip' | 'none'; level: number };
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  help: boolean;
}

export function parsePushArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PushArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        tag: { type: 'string', short: 't', multiple: true },
        platform: { type: 'string', multiple: true },
        'all-platforms': { type: 'boolean' },
        ...CONNECTION_OPTIONS,
        concurrency: { type: 'string', short: 'j' },
        retries: { type: 'string' },
        timeout: { type: 'string' },
        'digest-file': { type: 'string' },
        'no-cache': { type: 'boolean' },
        'create-repository': { type: 'boolean' },
        adapter: { type: 'string', multiple: true },
        resolve: { type: 'string', multiple: true },
        compression: { type: 'string' },
        'compression-level': { type: 'string' },
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
  const connection = connectionArgs(values, env);
  if (values.quiet && values.verbose) throw new UsageError('--quiet and --verbose exclude each other');
  if (values['all-platforms'] && values.platform) throw new UsageError('--platform and --all-platforms exclude each other');

  return {
    source: positionals[0] ?? '',
    destinations: positionals.slice(1),
    tags: values.tag ?? [],
    platforms: values.platform ?? [],
    ...connection,
    ...(values.concurrency === undefined ? {} : { concurrency: parseWholeNumber('--concurrency', values.concurrency, 1, 64) }),
    ...(values.retries === undefined ? {} : { retries: parseWholeNumber('--retries', values.retries, 0, 20) }),
    timeoutMs: values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration('--timeout', values.timeout),
    ...(values['digest-file'] === undefined ? {} : { digestFile: values['digest-file'] }),
    cache: !(values['no-cache'] ?? false),
    createRepository: values['create-repository'] ?? false,
    adapters: values.adapter ?? [],
    resolve: parseResolve(values.resolve ?? []),
    compression: {
      format: parseCompression(values.compression ?? 'gzip'),
      level: values['compression-level'] === undefined ? 6 : parseWholeNumber('--compression-level', values['compression-level'], 1, 9),
    },
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    quiet: values.quiet ?? false,
    help,
  };
}

/** Long enough for a big image over a slow link; short enough that a wedged push ends the job. */
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseWholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

function parseResolve(entries: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const host = entry.slice(0, colon).toLowerCase();
    const address = entry.slice(colon + 1);
    if (colon <= 0 || !/^[\d.]+$|^[0-9a-f:]+$/i.test(address)) throw new UsageError(`--resolve takes HOST:ADDRESS with an IP address, not "${entry}"`);
    map[host] = address;
  }
  return map;
}

function parseCompression(value: string): 'gzip' | 'none' {
  if (value === 'gzip' || value === 'none') return value;
  // zstd needs zlib's zstd support, which Node.js has only from 22.15 on; hoist supports 20.
  if (value === 'zstd') throw new UsageError('--compression zstd is not available on this Node.js; use gzip or none');
  throw new UsageError(`--compression takes gzip or none, not "${value}"`);
}

/** `90`, `90s`, `10m`, `1h`, `500ms`: a bare number is seconds. */
function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2] ?? 's']! : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${flag} takes a duration such as 90s, 10m or 1h, not "${value}"`);
  return ms;
}
