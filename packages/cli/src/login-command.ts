import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionArgs, tlsSettings } from './connection-options.js';
import type { Deadline } from '@hoist/core';
import { describeFailure, type TimeLimit } from './describe-failure.js';
import { explicitCredentials } from './explicit-credentials.js';
import type { CommandContext } from './push-command.js';
import { warnInsecure } from './push-setup.js';
import { applyEnvDefaults, settingOf } from './env-defaults.js';
import { parseDuration } from './push-args.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/**
 * `hoist login HOST` checks the credentials with the registry, then stores them where
 * `docker login` would (the credsStore helper if one is configured, else config.json, mode
 * 0600); `hoist logout HOST` removes them. Later pushes find them with no credential flags.
 */
/** A login is one request or two: a minute is plenty, and a registry that never answers is not waited on for ever. */
const LOGIN_TIMEOUT_MS = 60_000;

export const LOGIN_USAGE = `Usage: hoist login [options] <registry>
       hoist logout <registry>

${CONNECTION_USAGE}
      --timeout DURATION  how long the check may take (default 60s; HOIST_TIMEOUT)
  -h, --help              show this help
`;

export async function loginCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = { ...CONNECTION_OPTIONS, timeout: { type: 'string' }, help: HELP } as const;
  const { values, positionals } = parseOptions(argv, options);
  const label = applyEnvDefaults(values, options, context.env);
  if (values.help) {
    context.output.out(LOGIN_USAGE);
    return 0;
  }
  const args = connectionArgs(values, label);
  let deadline: Deadline | undefined;
  let timeLimit: TimeLimit | undefined;
  try {
    const registry = registryArg(positionals, 'login');
    const given = await explicitCredentials(args, context, context.output);
    if (!given) throw new UsageError('login needs --username (or --username-env) with --password-stdin or --password-env');
    if (args.insecure) warnInsecure(context.output);
    const timeoutMs = values.timeout === undefined ? LOGIN_TIMEOUT_MS : parseDuration(label('timeout'), values.timeout);
    const timeoutSetting = values.timeout === undefined ? 'the default --timeout 60s of hoist login' : settingOf(label('timeout'), values.timeout);
    const core = await import('@hoist/core');
    const { dockerConfigPath, storeLogin } = await import('@hoist/adapter-generic');
    deadline = core.startDeadline(timeoutMs);
    timeLimit = { signal: deadline.signal, setting: timeoutSetting };
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    await core.checkLogin({
      host: registry,
      credential: { kind: 'basic', username: given.username, password: given.password, source: given.source },
      tls: tlsSettings(args),
      plainHttp: core.allowsPlainHttp(args.plainHttp, registry),
      signal,
    });
    const where = await storeLogin(dockerConfigPath(context.env), registry, given.username, given.password, context.env, signal);
    context.output.out(`login succeeded for ${registry} (stored in ${where === 'helper' ? 'the credsStore helper' : dockerConfigPath(context.env)})`);
    return 0;
  } catch (error) {
    const failure = describeFailure(error, false, context.signal, 'nothing was stored', timeLimit);
    context.output.err(`hoist: error: ${failure.message}`);
    return failure.exitCode;
  } finally {
    deadline?.clear();
  }
}

export async function logoutCommand(argv: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(argv, { help: HELP });
  if (values.help) {
    context.output.out(LOGIN_USAGE);
    return 0;
  }
  try {
    const registry = registryArg(positionals, 'logout');
    const { dockerConfigPath, eraseLogin } = await import('@hoist/adapter-generic');
    const erased = await eraseLogin(dockerConfigPath(context.env), registry, context.env, context.signal);
    context.output.out(erased ? `removed the credentials for ${registry}` : `no credentials were stored for ${registry}`);
    return 0;
  } catch (error) {
    const failure = describeFailure(error, false, context.signal);
    context.output.err(`hoist: error: ${failure.message}`);
    return failure.exitCode;
  }
}

const HELP = { type: 'boolean', short: 'h' } as const;

/** parseArgs' own complaints (an unknown flag) are usage errors. */
/** `https://reg.example:5000/` → `reg.example:5000`, as docker login accepts either. */
function registryArg(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one registry, e.g. hoist ${command} registry.example.com`);
  return positionals[0]!.replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
}
