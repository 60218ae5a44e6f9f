import type { ConnectionArgs } from './connection-options.js';
import type { Output } from './output.js';
import { readFirstLine } from './read-password.js';
import { UsageError } from './usage-error.js';

/**
 * The username and password given on the command line's terms: the password from stdin or from
 * a named variable. It is registered with the output at once, so nothing printed can show it.
 */
export async function explicitCredentials(
  args: ConnectionArgs,
  context: { stdin: NodeJS.ReadableStream; env: NodeJS.ProcessEnv },
  output: Output,
): Promise<{ username: string; password: string; source: string } | undefined> {
  if (args.username === undefined || !args.password) return undefined;
  if (args.password.from === 'env' && context.env[args.password.variable] === undefined) {
    throw new UsageError(`--password-env ${args.password.variable}: the variable is not set (in Jenkins, the passwordVariable of withCredentials)`);
  }
  const password = args.password.from === 'stdin' ? await readFirstLine(context.stdin) : (context.env[args.password.variable] ?? '');
  if (password === '') {
    throw new UsageError(
      args.password.from === 'stdin'
        ? '--password-stdin got an empty password (nothing was piped in? in Jenkins, name the withCredentials variable with --password-env VAR instead)'
        : `--password-env ${args.password.variable} holds an empty password`,
    );
  }
  output.addSecret(password);
  return { username: args.username, password, source: args.password.from === 'stdin' ? '--password-stdin' : `--password-env ${args.password.variable}` };
}
