import { CONNECTION_OPTIONS, CONNECTION_USAGE } from './connection-options.js';
import { applyEnvDefaults } from './env-defaults.js';
import { parseOptions } from './parse-options.js';
import { pushArgsOf, type PushArgs } from './push-args.js';

/**
 * The options of the registry verbs (inspect, digest, tag, ls): push's credentials, TLS, name
 * resolution, adapters, retries, time limit and output, and nothing about images or caches.
 */
export const VERB_OPTIONS = {
  ...CONNECTION_OPTIONS,
  retries: { type: 'string' },
  timeout: { type: 'string' },
  adapter: { type: 'string', multiple: true },
  resolve: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const VERB_OPTIONS_USAGE = `${CONNECTION_USAGE}
      --resolve HOST:ADDRESS, --adapter PACKAGE|PATH, --retries N, --timeout DURATION
                          as for hoist push (see hoist push --help)
      --json              one JSON object on stdout
  -v, --verbose           more detail in errors
  -h, --help              show this help`;

type OwnOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
type VerbValues<T extends OwnOptions> = ReturnType<typeof parseOptions<typeof VERB_OPTIONS & T>>['values'];

/** A verb's options (VERB_OPTIONS and its own), as push's arguments plus the verb's values and positionals. */
export function parseVerbArgs<T extends OwnOptions>(argv: readonly string[], env: NodeJS.ProcessEnv, own: T): { push: PushArgs; values: VerbValues<T>; positionals: string[] } {
  const { values, positionals } = parseOptions(argv, { ...VERB_OPTIONS, ...own });
  const label = applyEnvDefaults(values, VERB_OPTIONS, env);
  const push: PushArgs = pushArgsOf(values, label, env, '', []);
  return { push, values, positionals };
}
