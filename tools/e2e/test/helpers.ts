import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FaultRecord } from '@hoist/test-registry';

export const HOIST_BIN = fileURLToPath(new URL('../../../packages/cli/bin/hoist.cjs', import.meta.url));

const made: string[] = [];

/** A fresh temporary directory, removed when the test file is done (see cleanup.ts). */
export async function tempDir(prefix = 'hoist-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface HoistRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface HoistOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** Another build of the command than bin/hoist.cjs: the single file, dist/hoist.cjs. */
  bin?: string;
  /** A command that runs hoist (`unshare -n sh -c '...; exec "$0" "$@"'`), given node and its arguments. */
  prefix?: readonly string[];
}

/**
 * Starts the built `hoist` as a pipeline would: no TTY, a clean environment whose config and
 * cache directories are the test's own, so nothing from the machine's ~/.docker leaks in.
 */
export async function startHoist(args: readonly string[], options: HoistOptions = {}): Promise<{ child: ChildProcess; done: Promise<HoistRun> }> {
  const home = await tempDir('hoist-home-');
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath, options.bin ?? HOIST_BIN, ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      DOCKER_CONFIG: join(home, '.docker'),
      XDG_CACHE_HOME: join(home, '.cache'),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(options.stdin ?? '');
  const done = new Promise<HoistRun>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export async function runHoist(args: readonly string[], options: HoistOptions = {}): Promise<HoistRun> {
  return (await startHoist(args, options)).done;
}

/** Runs hoist and how long it took, killing it if it outlives `giveUpMs` (code that ran on). */
export async function runTimed(args: readonly string[], giveUpMs: number, options: HoistOptions = {}): Promise<HoistRun & { ms: number }> {
  const started = Date.now();
  const hoist = await startHoist(args, options);
  const killer = setTimeout(() => hoist.child.kill('SIGKILL'), giveUpMs);
  const run = await hoist.done;
  clearTimeout(killer);
  return { ...run, ms: Date.now() - started };
}

/** The lines of stderr but the one each image's push starts with (`pushing SOURCE (…) to …`). */
export function linesBesideStart(stderr: string): string[] {
  return stderr.trim().split('\n').filter((line) => !line.startsWith('pushing '));
}

/** A failed run that ended within `maxMs`: exit 1, one error line matching `where`, no stack trace. */
export function expectFailedWithin(run: HoistRun & { ms: number }, maxMs: number, where: RegExp): string {
  expect(run.ms).toBeLessThan(maxMs);
  expect(run.code).toBe(1);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('hoist: error:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(where);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/**
 * HTTP status of a manifest HEAD, asking for OCI types: distribution answers 404 for an OCI
 * manifest to a client that does not accept them, which would make "no tag" checks pass by mistake.
 */
export async function manifestStatus(registryUrl: string, repository: string, reference: string, authorization?: string): Promise<number> {
  const res = await fetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
      ...(authorization ? { authorization } : {}),
    },
  });
  return res.status;
}

/** Polls `condition` until it holds; for waiting on another process to reach a point. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A test's stand-in for DNS (the conformance kit's): the names given go to 127.0.0.1, any other fails. */
export { loopbackLookup } from '@hoist/adapter-testkit/registry';

/** Polls an asynchronous condition (a file appearing) until it holds. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends a started hoist a signal, and how long it took to end after it. */
export async function interrupt(started: { child: ChildProcess; done: Promise<HoistRun> }, signal: NodeJS.Signals): Promise<HoistRun & { ms: number }> {
  const sent = Date.now();
  started.child.kill(signal);
  const run = await started.done;
  return { ...run, ms: Date.now() - sent };
}

/** Flips one byte of a file: same size, other content (a blob that no longer matches its digest). */
export async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  const offset = at < 0 ? bytes.length + at : at;
  bytes.writeUInt8(bytes.readUInt8(offset) ^ 0xff, offset);
  await writeFile(path, bytes);
}

/**
 * A proxy answered one request 429 with Retry-After: 1. Requests already on their way may land
 * just after it; then none, from any image, for the second it asked; then they come again.
 */
export function expectPausedSecond(log: readonly FaultRecord[]): void {
  const refused = log.find((r) => r.fault === 'status');
  expect(refused, 'the proxy answered 429').toBeDefined();
  expect(log.filter((r) => r.at > refused!.at + 100 && r.at < refused!.at + 900)).toEqual([]);
  expect(log.filter((r) => r.at >= refused!.at + 900).length).toBeGreaterThan(0);
}
