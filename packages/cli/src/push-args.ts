import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionArgs, type ConnectionArgs } from './connection-options.js';
import { applyEnvDefaults, settingOf, type OptionLabels } from './env-defaults.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/**
 * `hoist push` options. There is deliberately no `--password`: a secret in argv shows up in
 * `ps`, in shell history and in Jenkins' command echo. Passwords come on stdin.
 */
export const PUSH_USAGE = `Usage: hoist push [options] <source> <destination>...
       hoist push [options] --plan FILE

  <source>        docker-daemon:NAME[:TAG] (an image in the Docker daemon at DOCKER_HOST),
                  docker://REF (an image in a registry), an OCI layout directory, OCI archive
                  or docker save tarball (recognised by content), or oci:PATH[:REF],
                  oci-archive:PATH[:REF], docker-archive:PATH[:REPO:TAG|@N]
  <destination>   image reference, oci:DIR[:REF] to write an OCI layout, or
                  docker-daemon:NAME[:TAG] to load it into the Docker daemon; several are allowed

oci:DIR:REF is split at the first colon, as skopeo splits it (DIR holds no colon). REF, and each
-t for a layout, is an OCI layout ref: letters and digits joined by . _ - : @ + or --, parts
separated by /. A branch name such as feature/login is a valid ref as it is (oci:out:feature/login),
but not a registry tag: for both, use --tag-env BRANCH_NAME, which makes it feature-login.

Options:
      --plan FILE         push every image FILE lists (YAML or JSON: images: [{source,
                          destinations, tags, platforms}]) at once, as one push: a blob they
                          share goes to each registry once; the options below apply to all
      --shard INDEX/COUNT with --plan: push only this agent's share of the images, one of
                          COUNT disjoint shares (INDEX from 0; or the name of a variable
                          holding it, as JOB_COMPLETION_INDEX in a Kubernetes Indexed Job)
  -t, --tag TAG[,TAG]     extra tags at every destination (repeatable)
      --tag-file FILE     extra tags, one per line (blank lines and # comments skipped)
      --tag-env VAR       a tag from environment variable VAR, made valid: feature/login
                          becomes feature-login (repeatable; Jenkins' BRANCH_NAME)
      --platform OS/ARCH[/VARIANT]  push only these entries of an index (repeatable)
      --all-platforms     push every entry of an index (the default)
      --annotation KEY=VALUE  set an annotation on the pushed manifest (an index's own, for an
                          index); the digest changes, and hoist says so (repeatable)
      --include-referrers with a docker:// source: copy what refers to the image too (OCI 1.1
                          referrers, theirs in turn, and cosign's sha256-<hex>.sig/.att/.sbom)
${CONNECTION_USAGE}
  -j, --concurrency N     blob transfers at once per registry (default 4)
      --retries N         retries of a failing request or blob upload (default 5)
      --timeout DURATION  give up on the whole push after this long (default 30m; e.g. 90s, 10m)
      --digest-file PATH  write the pushed manifest digest to PATH (removed first; written
                          only when the push succeeds)
      --image-refs PATH   write each pushed registry/repository@digest, one per line
      --compression gzip|zstd|none  how uncompressed layers are sent (default gzip; zstd
                          needs Node.js 22.15+, and clients that pull it: not Docker's classic store)
      --compression-level N    gzip 1-9 (default 1), zstd 1-19 (default 3)
      --max-decompressed SIZE  how large a gzip'd archive source may grow unpacked in TMPDIR
                          (default 16GiB; e.g. 500MiB, 40GiB): a gzip bomb stops there
      --create-repository create a missing repository where the registry needs it (ECR)
      --adapter PACKAGE|PATH  load a registry adapter plugin, tried before hoist's own (repeatable)
      --resolve HOST:ADDRESS  connect to ADDRESS for HOST (split-horizon DNS, tests; repeatable)
      --no-cache          do not read or write hoist's local caches (blob locations, compressed layers)
      --json              one JSON object per line on stdout; the last is a summary
  -v, --verbose           more detail, including the causes of errors
  -q, --quiet             print only the digest
  -h, --help              show this help

Environment: HOIST_CA_FILE, HOIST_CERT_DIR, HOIST_PLAIN_HTTP, HOIST_USERNAME_ENV,
HOIST_PASSWORD_ENV, HOIST_CONCURRENCY, HOIST_RETRIES, HOIST_TIMEOUT, HOIST_COMPRESSION_LEVEL,
HOIST_MAX_DECOMPRESSED set the options of the same name once for a pipeline; flags win. DOCKER_HOST names the Docker
daemon for docker-daemon: sources. HOIST_THREADS sets the compression threads (default: the
agent's cores, at least 4).

Exit status: 0 pushed, 1 the push failed (network, auth, registry), 2 usage or input error.
With --plan, the highest of its images' (the others are pushed whatever one does).
`;

export interface PushArgs extends ConnectionArgs {
  /** With --plan: the plan file, whose images replace source and destinations. */
  plan?: string;
  /** With --plan: this agent's share of its images. */
  shard?: { index: number; count: number };
  /** --annotation (push, copy): set on the pushed manifest or index. */
  annotations?: Record<string, string>;
  /** --include-referrers (push, copy of docker://): what refers to the image comes along. */
  includeReferrers?: boolean;
  source: string;
  destinations: string[];
  tags: string[];
  platforms: string[];
  concurrency?: number;
  retries?: number;
  timeoutMs: number;
  /** --max-decompressed: the room a gzip'd archive source may take unpacked; core's default when unset. */
  maxDecompressed?: number;
  /** Where the time limit came from, for messages: `--timeout 90s`, `HOIST_TIMEOUT=90s`, or the default. */
  timeoutSetting: string;
  digestFile?: string;
  imageRefs?: string;
  cache: boolean;
  createRepository: boolean;
  /** Adapter plugins from --adapter (package names or paths), in order. */
  adapters: string[];
  /** Host name → address, from --resolve. */
  resolve: Record<string, string>;
  compression: { format: 'gzip' | 'zstd' | 'none'; level: number };
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  help: boolean;
}

export const PUSH_OPTIONS = {
  tag: { type: 'string', short: 't', multiple: true },
  'tag-file': { type: 'string', multiple: true },
  'tag-env': { type: 'string', multiple: true },
  platform: { type: 'string', multiple: true },
  'all-platforms': { type: 'boolean' },
  ...CONNECTION_OPTIONS,
  concurrency: { type: 'string', short: 'j' },
  retries: { type: 'string' },
  timeout: { type: 'string' },
  'digest-file': { type: 'string' },
  'image-refs': { type: 'string' },
  'no-cache': { type: 'boolean' },
  'create-repository': { type: 'boolean' },
  adapter: { type: 'string', multiple: true },
  resolve: { type: 'string', multiple: true },
  compression: { type: 'string' },
  'compression-level': { type: 'string' },
  'max-decompressed': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const PUSH_COMMAND_OPTIONS = {
  ...PUSH_OPTIONS,
  plan: { type: 'string' },
  shard: { type: 'string' },
  annotation: { type: 'string', multiple: true },
  'include-referrers': { type: 'boolean' },
} as const;

export function parsePushArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PushArgs {
  const { values, positionals } = parseOptions(argv, PUSH_COMMAND_OPTIONS);
  const label = applyEnvDefaults(values, PUSH_OPTIONS, env);
  const given = keyValues('--annotation', values.annotation ?? []);
  const annotations = Object.keys(given).length > 0 ? { annotations: given } : {};
  const referrers = values['include-referrers'] ? { includeReferrers: true } : {};
  if (values['include-referrers'] && (values.platform !== undefined || Object.keys(given).length > 0)) {
    throw new UsageError('--include-referrers copies an image as it is, for its referrers to name it: leave out --platform and --annotation');
  }
  const plan = values.plan;
  if (plan !== undefined) {
    if (positionals.length > 0) throw new UsageError(`--plan takes its images from ${plan}: give no source or destination with it`);
    if (values['digest-file'] !== undefined) throw new UsageError('--digest-file names one digest; with --plan, use --image-refs or --json');
    if (values['include-referrers']) throw new UsageError('--include-referrers is for one image copied from a registry, not a plan');
    return { ...pushArgsOf(values, label, env, '', []), plan, ...annotations, ...(values.shard === undefined ? {} : { shard: parseShard(values.shard, env) }) };
  }
  if (values.shard !== undefined) throw new UsageError("--shard divides a plan's images among agents: use it with --plan");
  if (!values.help && positionals.length < 2) throw new UsageError('push needs a source and at least one destination');
  return { ...pushArgsOf(values, label, env, positionals[0] ?? '', positionals.slice(1)), ...annotations, ...referrers };
}

export type PushValues = ReturnType<typeof parseOptions<typeof PUSH_OPTIONS>>['values'];

/** The push options every command that pushes shares (`push`, `build`), from parsed flags. */
export function pushArgsOf(values: PushValues, label: OptionLabels, env: NodeJS.ProcessEnv, source: string, destinations: string[]): PushArgs {
  const help = values.help ?? false;
  const connection = connectionArgs(values, label);
  if (values.quiet && values.verbose) throw new UsageError('--quiet and --verbose exclude each other');
  if (values['all-platforms'] && values.platform) throw new UsageError('--platform and --all-platforms exclude each other');

  return {
    source,
    destinations,
    tags: [...(values.tag ?? []).flatMap((t) => t.split(',')), ...(values['tag-file'] ?? []).flatMap(readTagFile), ...(values['tag-env'] ?? []).map((v) => tagFromEnv(v, env))],
    platforms: values.platform ?? [],
    ...connection,
    ...(values.concurrency === undefined ? {} : { concurrency: parseWholeNumber(label('concurrency'), values.concurrency, 1, 64) }),
    ...(values.retries === undefined ? {} : { retries: parseWholeNumber(label('retries'), values.retries, 0, 20) }),
    timeoutMs: values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(label('timeout'), values.timeout),
    timeoutSetting: values.timeout === undefined ? 'the default --timeout 30m' : settingOf(label('timeout'), values.timeout),
    ...(values['digest-file'] === undefined ? {} : { digestFile: values['digest-file'] }),
    ...(values['image-refs'] === undefined ? {} : { imageRefs: values['image-refs'] }),
    cache: !(values['no-cache'] ?? false),
    createRepository: values['create-repository'] ?? false,
    adapters: values.adapter ?? [],
    resolve: parseResolve(values.resolve ?? []),
    compression: compressionOf(values.compression ?? 'gzip', values['compression-level'], label),
    ...(values['max-decompressed'] === undefined ? {} : { maxDecompressed: parseSize(label('max-decompressed'), values['max-decompressed']) }),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    quiet: values.quiet ?? false,
    help,
  };
}

/** Long enough for a big image over a slow link; short enough that a wedged push ends the job. */
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function compressionOf(format: string, level: string | undefined, label: OptionLabels): PushArgs['compression'] {
  const parsed = parseCompression(format);
  // core's DEFAULT_GZIP_LEVEL and DEFAULT_ZSTD_LEVEL, not imported: --help must not load core.
  const [fallback, max] = parsed === 'zstd' ? [3, 19] : [1, 9];
  return { format: parsed, level: level === undefined ? fallback : parseWholeNumber(label('compression-level'), level, 1, max) };
}

/** One tag per line; blank lines and `#` comments are skipped, as in a .dockerignore. */
function readTagFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--tag-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * A valid tag from a variable such as BRANCH_NAME: characters a tag may not hold become `-`
 * (`feature/login` → `feature-login`), it is cut to 128, and it is an OCI layout ref as well
 * (layout-ref.ts), so one -t list serves both: a run of separators other than `--` becomes `-`
 * (`a__b` → `a-b`), and none is left at either end.
 */
export function tagFromEnv(variable: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable];
  if (value === undefined || value === '') throw new UsageError(`--tag-env ${variable}: the variable is not set`);
  const tag = validTagOf(value);
  if (tag === '') throw new UsageError(`--tag-env ${variable}: "${value}" has nothing a tag can hold`);
  return tag;
}

/** `value` with what a tag may not hold made `-`, cut to 128 (tagFromEnv's rules). */
export function validTagOf(value: string): string {
  return value
    .replace(/[^\w.-]+/g, '-')
    .replace(/[-._]{2,}/g, (run) => (run === '--' ? run : '-'))
    .replace(/^[-._]+/, '')
    .slice(0, 128)
    .replace(/[-._]+$/, '');
}

/**
 * `-t "$BRANCH_NAME"` is the likeliest slip in a pipeline, and the grammar's refusal alone does
 * not say what to write. Only for registries: an OCI layout's refs may hold `/`.
 */
export function checkRegistryTags(tags: readonly string[]): void {
  const slashed = tags.find((tag) => tag.includes('/'));
  if (slashed === undefined) return;
  throw new UsageError(`tag "${slashed}": a registry's tag may not hold "/"; for a branch name, --tag-env VAR makes a tag of it (${slashed} becomes ${validTagOf(slashed)})`);
}

function parseWholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

/** `INDEX/COUNT`, INDEX a number or the name of the variable that holds it (JOB_COMPLETION_INDEX). */
export function parseShard(text: string, env: NodeJS.ProcessEnv): { index: number; count: number } {
  const m = /^(\d+|[A-Za-z_]\w*)\/(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--shard takes INDEX/COUNT (0/3, or JOB_COMPLETION_INDEX/3), not "${text}"`);
  const count = Number(m[2]);
  const named = /^\d+$/.test(m[1]!) ? undefined : m[1]!;
  const given = named === undefined ? m[1]! : env[named];
  if (given === undefined || !/^\d+$/.test(given)) throw new UsageError(`--shard ${text}: ${named} is ${given === undefined ? 'not set' : `"${given}", not a shard index`}`);
  const index = Number(given);
  if (count < 1 || count > 1000 || index >= count) throw new UsageError(`--shard ${text}: the index must be below the count, which is 1 to 1000 (got ${index}/${count})`);
  return { index, count };
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

function parseCompression(value: string): 'gzip' | 'zstd' | 'none' {
  if (value === 'gzip' || value === 'none') return value;
  if (value === 'zstd') {
    // zstd is in node:zlib from Node.js 22.15 on; hoist also runs on 20.
    if (typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function') return value;
    throw new UsageError(`--compression zstd needs Node.js 22.15 or later (this is ${process.version}); use gzip`);
  }
  throw new UsageError(`--compression takes gzip, zstd or none, not "${value}"`);
}

/** `90`, `90s`, `10m`, `1h`, `500ms`: a bare number is seconds. */
const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** `500MiB`, `16GiB`, `2g`, `1048576`: binary units, as disk sizes are given to docker and du. */
function parseSize(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`${flag} ${value} is not a size: give bytes or a number with KiB, MiB, GiB or TiB (e.g. 16GiB)`);
  return bytes;
}

export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2] ?? 's']! : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${flag} takes a duration such as 90s, 10m or 1h, not "${value}"`);
  return ms;
}

/** `KEY=VALUE` entries (--annotation, --label) as a record; a later KEY wins. */
export function keyValues(flag: string, entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} takes KEY=VALUE, not "${entry}"`);
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}
