import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@hoist/adapter-testkit/registry';

/**
 * A real HTTP proxy, Debian's tinyproxy, on 127.0.0.1, for corporate-agent setups: pushes must
 * go through it when HTTPS_PROXY names it, and around it when NO_PROXY names the registry. Its
 * log shows every CONNECT it served.
 */
export interface HttpProxy {
  url: string;
  /** Targets (`host:port`) of the CONNECT requests it served. */
  connects(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startHttpProxy(): Promise<HttpProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-proxy-'));
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  const config = join(dir, 'tinyproxy.conf');
  // No ConnectPort line: tinyproxy then allows CONNECT to any port, registries' included.
  await writeFile(config, [`Port ${port}`, 'Listen 127.0.0.1', 'Allow 127.0.0.1', 'Timeout 60', `LogFile "${log}"`, 'LogLevel Connect', 'MaxClients 50', ''].join('\n'));
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', config], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error('tinyproxy not found: apt-get install -y tinyproxy') : error));
    child.once('spawn', resolve);
  });
  await waitForPort(port);
  return {
    url: `http://127.0.0.1:${port}`,
    async connects() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return [...text.matchAll(/CONNECT ([^ ]+) HTTP/g)].map((m) => m[1]!);
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`tinyproxy did not listen on ${port}`);
}
