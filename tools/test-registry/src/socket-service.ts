import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';

/**
 * A daemon that serves a Docker-style API on a unix socket (dockerd, podman system service),
 * started in a directory of the test's own: it is ready when `GET /_ping` answers on the socket.
 */
export interface SocketService {
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export async function startSocketService(command: string, args: readonly string[], socket: string, dir: string, timeoutMs: number): Promise<SocketService> {
  const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!(await pingSocket(socket))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`${command} did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { process: child, exited };
}

/** True when a Docker-style API answers `GET /_ping` on the unix socket. */
function pingSocket(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
