/**
 * `HOIST_*` variables give defaults for the options a pipeline sets once (a Jenkins
 * `environment {}` block), so every `hoist` step in it agrees. A flag on the command line wins
 * over its variable, and over the variables of the flags it excludes (`-u` over
 * HOIST_USERNAME_ENV). Lists (CA files, plain-HTTP hosts) are comma-separated.
 */
export const ENV_DEFAULTS: Readonly<Record<string, { variable: string; unless?: string }>> = {
  'ca-file': { variable: 'HOIST_CA_FILE' },
  'cert-dir': { variable: 'HOIST_CERT_DIR' },
  'plain-http': { variable: 'HOIST_PLAIN_HTTP' },
  'username-env': { variable: 'HOIST_USERNAME_ENV', unless: 'username' },
  'password-env': { variable: 'HOIST_PASSWORD_ENV', unless: 'password-stdin' },
  concurrency: { variable: 'HOIST_CONCURRENCY' },
  retries: { variable: 'HOIST_RETRIES' },
  timeout: { variable: 'HOIST_TIMEOUT' },
  'compression-level': { variable: 'HOIST_COMPRESSION_LEVEL' },
  'max-decompressed': { variable: 'HOIST_MAX_DECOMPRESSED' },
};

/** What to call an option in a message: the flag, or the variable its value came from. */
export type OptionLabels = (option: string) => string;

/** An option's setting as the user wrote it: `--timeout 90s`, or `HOIST_TIMEOUT=90s`. */
export function settingOf(label: string, value: string): string {
  return label.startsWith('--') ? `${label} ${value}` : `${label}=${value}`;
}

/**
 * Fills the options the command line left unset from their variables, for those `options`
 * defines. `--help` takes none: a bad default must not hide the help.
 */
export function applyEnvDefaults(values: Record<string, unknown>, options: Readonly<Record<string, { type: string; multiple?: boolean }>>, env: NodeJS.ProcessEnv): OptionLabels {
  const fromEnv = new Map<string, string>();
  if (values['help'] === true) return (option) => `--${option}`;
  for (const [option, { variable, unless }] of Object.entries(ENV_DEFAULTS)) {
    const value = env[variable];
    if (!(option in options) || values[option] !== undefined || value === undefined || value === '') continue;
    if (unless !== undefined && values[unless] !== undefined) continue;
    values[option] = options[option]!.multiple ? value.split(',').map((v) => v.trim()).filter((v) => v !== '') : value;
    fromEnv.set(option, variable);
  }
  return (option) => fromEnv.get(option) ?? `--${option}`;
}
