import { PLAIN_VARIABLE_NAME, type ConnectionArgs, type CredentialVariable } from './connection-options.js';
import type { Output } from './output.js';
import { settingOf } from './env-defaults.js';
import { readFirstLine } from './read-password.js';
import { UsageError } from './usage-error.js';

/**
 * The username and password given on the command line's terms: the username as given or from a
 * named variable, the password from stdin or from a named variable. Called only for a run that
 * talks to a registry: HOIST_USERNAME_ENV and HOIST_PASSWORD_ENV are set once for a whole
 * pipeline, and their variables only inside withCredentials. The password is registered with
 * the output at once, so nothing printed can show it.
 */
export async function explicitCredentials(
  args: ConnectionArgs,
  context: { stdin: NodeJS.ReadableStream; env: NodeJS.ProcessEnv },
  output: Output,
): Promise<{ username: string; password: string; source: string } | undefined> {
  if (args.credentialsProblem !== undefined) throw new UsageError(args.credentialsProblem);
  if ((args.username === undefined && !args.usernameEnv) || !args.password) return undefined;
  const username = args.username ?? readVariable(args.usernameEnv!, 'usernameVariable', context.env);
  const password = args.password.from === 'stdin' ? await readFirstLine(context.stdin) : readVariable(args.password, 'passwordVariable', context.env);
  if (password === '') {
    throw new UsageError(
      args.password.from === 'stdin'
        ? '--password-stdin got an empty password (nothing was piped in? in Jenkins, name the withCredentials variable with --password-env VAR instead)'
        : `${args.password.setting}: ${args.password.variable} holds an empty password`,
    );
  }
  output.addSecret(password);
  return { username, password, source: args.password.from === 'stdin' ? '--password-stdin' : args.password.setting };
}

/**
 * The variable's value; unset (or, for a username, empty) is one line naming the setting as the
 * user wrote it, unless what was given is another variable's value (`--password-env $REG_PASS`,
 * the shell expanded it): that is the secret, so the line names the variable that holds it.
 */
function readVariable(given: CredentialVariable, jenkinsField: 'usernameVariable' | 'passwordVariable', env: NodeJS.ProcessEnv): string {
  const value = env[given.variable];
  if (value === undefined || (value === '' && jenkinsField === 'usernameVariable')) {
    const holder = Object.keys(env).find((name) => env[name] === given.variable && !name.startsWith('HOIST_'));
    if (holder !== undefined) throw new UsageError(`${given.label} takes the name of a variable, not its value: give ${settingOf(given.label, holder)}`);
    const jenkins = `in Jenkins, run this step inside withCredentials, whose ${jenkinsField} sets it`;
    if (jenkinsField === 'passwordVariable' && !PLAIN_VARIABLE_NAME.test(given.variable)) {
      throw new UsageError(`${given.label} names a variable that is not set (the name is not shown: if it is the password itself, give the name of the variable that holds it; ${jenkins})`);
    }
    throw new UsageError(`${given.setting}: ${given.variable} is not set (${jenkins})`);
  }
  return value;
}
