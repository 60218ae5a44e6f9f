import { spawn } from 'node:child_process';
import { PushError, type Credential } from '@hoist/core';

/**
 * Docker's credential-helper protocol: `docker-credential-<name> get` with the server URL on
 * stdin answers `{"ServerURL","Username","Secret"}` on stdout. A Username of `<token>` means the
 * Secret is an identity token. A helper that says it has nothing, exits non-zero with
 * "credentials not found", which is no credential rather than a failure.
 */
export const HELPER_TIMEOUT_MS = 10_000;
/** A helper's answer is a few hundred bytes; anything past this is not one. */
const MAX_OUTPUT = 64 * 1024;

export interface HelperOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** An aborted push stops waiting for the helper, and the helper is killed. */
  signal?: AbortSignal;
}

export async function helperCredential(helper: string, serverUrl: string, registry: string, options: HelperOptions = {}): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  const timeoutMs = options.timeoutMs ?? HELPER_TIMEOUT_MS;
  const { code, stdout, stderr, error } = await runHelper(program, serverUrl, options.env ?? process.env, timeoutMs, options.signal);
  if (error?.name === 'AbortError') throw error;
  if (error?.code === 'ENOENT') throw new PushError('USAGE', `credential helper ${program} not found on PATH`);
  if (error?.code === 'ETIMEDOUT') throw new PushError('UNAUTHORIZED', `credential helper ${program} did not answer within ${timeoutMs / 1000} s`);
  if (code !== 0) {
    if (/not found/i.test(stdout + stderr)) return undefined;
    // The helper's own words may hold a secret or a path; its exit code is enough to act on.
    throw new PushError('UNAUTHORIZED', `credential helper ${program} failed for ${registry} (exit ${code})`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    throw new PushError('UNAUTHORIZED', `credential helper ${program} answered with something other than JSON`);
  }
  if (typeof answer.Secret !== 'string' || answer.Secret === '') return undefined;
  if (answer.Username === '<token>') return { kind: 'identity-token', token: answer.Secret, source: program };
  return { kind: 'basic', username: typeof answer.Username === 'string' ? answer.Username : '', password: answer.Secret, source: program };
}

interface HelperRun {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

function runHelper(program: string, serverUrl: string, env: NodeJS.ProcessEnv, timeoutMs: number, signal?: AbortSignal): Promise<HelperRun> {
  return new Promise((resolve) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: HelperRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ code: null, stdout, stderr, error: Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }) });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.toString();
    });
    child.once('error', (error: NodeJS.ErrnoException) => finish({ code: null, stdout, stderr, error }));
    child.once('close', (code) => finish({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(`${serverUrl}\n`);
  });
}
