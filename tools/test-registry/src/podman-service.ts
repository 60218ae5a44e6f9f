import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startSocketService } from './socket-service.js';

/**
 * podman's Docker-compatible API (`podman system service`) on a socket of the test's own, with
 * its own storage and run root in a temp directory: the machine's podman images are never seen
 * or touched.
 */
export interface TestPodmanService {
  /** `unix:///tmp/hp-XXXX/podman.sock`, for DOCKER_HOST. */
  host: string;
  /** Runs podman against this service's storage; rejects with its stderr when it fails. */
  podman(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

export async function startPodmanService(): Promise<TestPodmanService> {
  const dir = await mkdtemp('/tmp/hp-');
  const socket = join(dir, 'podman.sock');
  const storage = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run')];
  const { process: service, exited } = await startSocketService('podman', [...storage, 'system', 'service', '--time=0', `unix://${socket}`], socket, dir, START_TIMEOUT_MS);
  return {
    host: `unix://${socket}`,
    podman: (args) =>
      new Promise((resolve, reject) => {
        execFile('podman', [...storage, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`podman ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout)));
      }),
    async stop() {
      service.kill('SIGTERM');
      await exited;
      // podman leaves its storage mounted read-only in places; unmounting is its own business.
      await new Promise((resolve) => execFile('podman', [...storage, 'system', 'reset', '--force'], () => resolve(undefined)));
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}
