import { settingOf, type OptionLabels } from './env-defaults.js';
import { UsageError } from './usage-error.js';

/**
 * The options every command that talks to a registry shares: who the user is (never a password
 * in argv) and how to trust the registry. Their parseArgs definitions, and what they mean.
 */
export const CONNECTION_OPTIONS = {
  username: { type: 'string', short: 'u' },
  'username-env': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'password-env': { type: 'string' },
  'ca-file': { type: 'string', multiple: true },
  'cert-dir': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'tls-verify': { type: 'string' },
  insecure: { type: 'boolean' },
  'plain-http': { type: 'string', multiple: true },
} as const;

export const CONNECTION_USAGE = `  -u, --username USER     with --password-stdin or --password-env
      --password-stdin    read the password or token from standard input (its first line)
      --password-env VAR  read the password or token from environment variable VAR
      --username-env VAR  read the username from environment variable VAR (Jenkins withCredentials)
      --ca-file PATH      trust this PEM bundle in addition to the system roots (repeatable)
      --cert-dir DIR      CAs (*.crt) and a client.cert/client.key pair for every registry,
                          instead of the certs.d directories of Docker and podman
      --cert FILE --key FILE  client certificate and key for mutual TLS
      --tls-verify=false  do not verify registry certificates (alias --insecure); says so
      --plain-http HOST[:PORT]  allow plain HTTP to HOST (every port without one; loopback
                          needs no flag; repeatable); no credentials go over it off loopback`;

interface ConnectionValues {
  username?: string | undefined;
  'username-env'?: string | undefined;
  'password-stdin'?: boolean | undefined;
  'password-env'?: string | undefined;
  'ca-file'?: string[] | undefined;
  'cert-dir'?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  'tls-verify'?: string | undefined;
  insecure?: boolean | undefined;
  'plain-http'?: string[] | undefined;
}

/** A variable to read a credential from, and how the user named it (`--password-env REG_PASS`, `HOIST_PASSWORD_ENV=REG_PASS`). */
export interface CredentialVariable {
  variable: string;
  setting: string;
  /** The flag or variable that named it (`--password-env`, `HOIST_PASSWORD_ENV`). */
  label: string;
}

/** What an environment variable is called in a shell; anything else given as one is likely its value (a secret). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ConnectionArgs {
  /** The username given with --username. */
  username?: string;
  /** The variable the username is in, when it is not given: read only when a registry needs it (explicit-credentials.ts). */
  usernameEnv?: CredentialVariable;
  /** Where the password comes from, when a username is given. */
  password?: { from: 'stdin' } | ({ from: 'env' } & CredentialVariable);
  /**
   * What is wrong with the credential settings HOIST_USERNAME_ENV/HOIST_PASSWORD_ENV gave (half
   * of a pair, a value that is no variable's name): said only by a run that needs credentials,
   * as a pipeline sets them once for steps that mostly need none. A flag's is refused at once.
   */
  credentialsProblem?: string;
  caFiles: string[];
  certDir?: string;
  clientCert?: { cert: string; key: string };
  insecure: boolean;
  plainHttp: string[];
}

/**
 * Reads the options; `values` already holds any HOIST_* defaults (env-defaults.ts), `label` says
 * which. No variable is read here: a pipeline sets HOIST_*_ENV once for all its steps, and only
 * a step that talks to a registry inside withCredentials has them set.
 */
export function connectionArgs(values: ConnectionValues, label: OptionLabels): ConnectionArgs {
  if (values.username !== undefined && values['username-env'] !== undefined) throw new UsageError('--username and --username-env exclude each other');
  let credentialsProblem: string | undefined;
  const refuse = (option: string, message: string) => {
    if (label(option).startsWith('--')) throw new UsageError(message);
    credentialsProblem ??= message;
  };
  const variable = (option: 'username-env' | 'password-env', name: string): CredentialVariable => {
    // Never echoed: `HOIST_PASSWORD_ENV = credentials('registry')` puts user:password here.
    if (!VARIABLE_NAME.test(name)) refuse(option, `${label(option)} takes the name of a variable, such as REG_PASS, not its value: what it was given is no variable name (not shown, as it may be the secret)`);
    const shown = option === 'username-env' || PLAIN_VARIABLE_NAME.test(name);
    return { variable: name, setting: shown ? settingOf(label(option), name) : label(option), label: label(option) };
  };
  const usernameEnv = values.username === undefined && values['username-env'] !== undefined ? variable('username-env', values['username-env']) : undefined;
  if (values['password-stdin'] && values['password-env'] !== undefined) throw new UsageError('--password-stdin and --password-env exclude each other');
  const password = values['password-stdin'] ? { from: 'stdin' as const } : values['password-env'] !== undefined ? { from: 'env' as const, ...variable('password-env', values['password-env']) } : undefined;
  if ((values.username !== undefined || usernameEnv) && !password) {
    refuse(usernameEnv ? 'username-env' : 'username', `${usernameEnv?.setting ?? '--username'} needs --password-stdin or --password-env (passwords are never taken on the command line)`);
  }
  if (password && values.username === undefined && !usernameEnv) {
    refuse(password.from === 'env' ? 'password-env' : 'password-stdin', `${password.from === 'env' ? password.setting : '--password-stdin'} needs --username or --username-env`);
  }
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
  const tlsVerify = values['tls-verify'];
  if (tlsVerify !== undefined && tlsVerify !== 'true' && tlsVerify !== 'false') throw new UsageError(`--tls-verify takes true or false, not "${tlsVerify}"`);
  return {
    ...(values.username === undefined ? {} : { username: values.username }),
    ...(usernameEnv ? { usernameEnv } : {}),
    ...(password ? { password } : {}),
    ...(credentialsProblem === undefined ? {} : { credentialsProblem }),
    caFiles: values['ca-file'] ?? [],
    ...(values['cert-dir'] === undefined ? {} : { certDir: values['cert-dir'] }),
    ...(values.cert === undefined || values.key === undefined ? {} : { clientCert: { cert: values.cert, key: values.key } }),
    insecure: tlsVerify === 'false' || (values.insecure ?? false),
    plainHttp: (values['plain-http'] ?? []).map((h) => h.toLowerCase()),
  };
}

/**
 * A variable's name as pipelines write them (REG_PASS, DOCKERHUB_TOKEN). A password's "name"
 * that reads otherwise (ghp_…, mixed case) may be the secret itself, pasted where its name
 * belongs and held by no variable, so it is never printed.
 */
export const PLAIN_VARIABLE_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;

/** The TLS settings core takes, from the parsed options. */
export function tlsSettings(args: ConnectionArgs) {
  return {
    caFiles: args.caFiles,
    insecure: args.insecure,
    ...(args.certDir === undefined ? {} : { certDir: args.certDir }),
    ...(args.clientCert ? { clientCert: args.clientCert } : {}),
  };
}
