import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createTestCa, freePort, issueClientCert, issueServerCert } from '@hoist/adapter-testkit/registry';
import { join } from 'node:path';
import { startSocketService } from './socket-service.js';

/**
 * A real Docker Engine (Debian's dockerd 20.10) of the test's own: its socket, data, exec root
 * and pid file in a temp directory under /tmp (kept short: unix socket paths hold 108 bytes),
 * no iptables and no bridge, so it touches nothing of the machine's and containers run with
 * `--network none`. Never a system daemon.
 */
export interface TestDockerDaemon {
  /** `unix:///tmp/hd-XXXX/docker.sock`, for DOCKER_HOST. */
  host: string;
  socket: string;
  /** With `tls`: the same daemon on `tcp://127.0.0.1:PORT`, and a DOCKER_CERT_PATH for it. */
  tcp?: { host: string; certPath: string };
  /** Runs the docker CLI against this daemon; rejects with its stderr when it fails. */
  docker(args: readonly string[], options?: { input?: string }): Promise<string>;
  stop(): Promise<void>;
}

/** Debian's client matches the daemon; a newer client on PATH would want BuildKit's buildx. */
const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const START_TIMEOUT_MS = 30_000;

export async function startDockerDaemon(options: { tls?: boolean } = {}): Promise<TestDockerDaemon> {
  const dir = await mkdtemp('/tmp/hd-');
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const tcp = options.tls ? await tlsListener(dir) : undefined;
  const args = ['--iptables=false', '--bridge=none', '--host', host, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'pid'), ...(tcp?.args ?? [])];
  const { process: daemon, exited } = await startSocketService('dockerd', args, socket, dir, START_TIMEOUT_MS);
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(dir, 'client') };
  return {
    host,
    socket,
    ...(tcp ? { tcp: { host: tcp.host, certPath: tcp.certPath } } : {}),
    docker: (args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = execFile(DOCKER_CLI, [...args], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
          error ? reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
        );
        child.stdin!.end(options.input ?? '');
      }),
    async stop() {
      daemon.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * dockerd's TLS listener as `dockerd --tlsverify` sets one up: a CA of the test's own, a server
 * certificate for 127.0.0.1, and the client's ca.pem, cert.pem and key.pem in one directory, as
 * DOCKER_CERT_PATH expects them.
 */
async function tlsListener(dir: string): Promise<{ host: string; certPath: string; args: string[] }> {
  const ca = await createTestCa(dir);
  const server = await issueServerCert(ca, 'dockerd');
  const client = await issueClientCert(ca, 'docker-client');
  const certPath = join(dir, 'client-certs');
  await mkdir(certPath);
  await Promise.all([copyFile(ca.caCert, join(certPath, 'ca.pem')), copyFile(client.cert, join(certPath, 'cert.pem')), copyFile(client.key, join(certPath, 'key.pem'))]);
  const host = `tcp://127.0.0.1:${await freePort()}`;
  return { host, certPath, args: ['--host', host, '--tlsverify', '--tlscacert', ca.caCert, '--tlscert', server.cert, '--tlskey', server.key] };
}
