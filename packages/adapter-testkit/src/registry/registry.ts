import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAccessLog, type AccessLogEntry } from './access-log.js';
import { createSigningCert, createTestCa, issueClientCert, issueServerCert } from './certificates.js';
import { freePort } from './free-port.js';
import { htpasswdFile } from './htpasswd.js';
import { readRegistryManifest } from './read-manifest.js';
import { startTokenServer, type TokenServer } from './token-server.js';

/**
 * A real CNCF distribution registry (Debian's `docker-registry`), on 127.0.0.1 only, on a free
 * port, storing into its own temp directory. Variants: open, htpasswd (bcrypt), token auth
 * (with a token server of ours), each over plain HTTP or TLS with a per-run test CA.
 */
export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** distribution's binary; default HOIST_REGISTRY_BIN, else `docker-registry` (Debian) or `registry` on PATH. */
  binary?: string;
  tls?: boolean;
  /** Users for htpasswd or the token server; default one user `hoist`. */
  users?: Record<string, string>;
  /** Identity tokens the token server accepts, mapped to their user. */
  refreshTokens?: Record<string, string>;
  /** With token auth: users granted `pull` only (users must list them too). */
  readOnlyUsers?: string[];
  /** With `tls`: require client certificates signed by the test CA (`http.tls.clientcas`). */
  clientCertificates?: boolean;
  /** With token auth: the host name the realm URL uses instead of 127.0.0.1 (the port is the token server's). */
  realmHost?: string;
  /** With token auth: the whole realm URL, when the token service sits behind a front (ACR's /oauth2/token). */
  realm?: string;
  /** With `tls`: more names the registry's (and token server's) certificate is valid for. */
  dnsNames?: string[];
  /** With token auth: serve ACR's /oauth2/exchange on the token server too. */
  acrExchange?: { accessToken: string; refreshToken: string };
  /** Headers the registry adds to every answer (distribution's `http.headers`): a service's rate-limit headers, say. */
  responseHeaders?: Record<string, string>;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  users: Record<string, string>;
  /** The CA that signed the registry's certificate, for TLS variants. */
  caFile?: string;
  /** A client certificate the registry accepts, for the mutual-TLS variant. */
  clientCert?: { cert: string; key: string };
  tokenServer?: TokenServer;
  dir: string;
  accessLog(): Promise<AccessLogEntry[]>;
  /** The manifest's bytes at `repository:reference`, read without hoist as `user` (default: the first user). */
  readManifest(repository: string, reference: string, user?: string): Promise<Buffer>;
  /** Kills the registry process (SIGKILL, as a crash would); storage and port are kept. */
  kill(): Promise<void>;
  /** Starts the registry again on the same port and storage, after `kill`. */
  revive(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_USERS: Readonly<Record<string, string>> = { hoist: 'hoist-test-password' };
const REGISTRY_BINARIES = ['docker-registry', 'registry'];
const READY_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 5;
const ADDRESS_LINE = '  addr: ADDRESS';
const TOKEN_SERVICE = 'hoist-test-registry';
const TOKEN_ISSUER = 'hoist-test-issuer';

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const given = options.binary ?? process.env['HOIST_REGISTRY_BIN'];
  const binaries = given ? [given] : REGISTRY_BINARIES;
  const dir = await mkdtemp(join(tmpdir(), 'hoist-registry-'));
  const users = { ...(options.users ?? DEFAULT_USERS) };
  const config: string[] = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    ADDRESS_LINE,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  const headers = Object.entries(options.responseHeaders ?? {});
  if (headers.length > 0) config.push('  headers:', ...headers.map(([name, value]) => `    ${name}: [${JSON.stringify(value)}]`));

  const ca = options.tls || options.auth === 'token' ? await createTestCa(await mkdirIn(dir, 'certs')) : undefined;
  const serverCert = ca && options.tls ? await issueServerCert(ca, 'registry', options.dnsNames ?? []) : undefined;
  if (serverCert) config.push('  tls:', `    certificate: ${serverCert.cert}`, `    key: ${serverCert.key}`);
  const clientCert = ca && serverCert && options.clientCertificates ? await issueClientCert(ca, 'client') : undefined;
  if (ca && clientCert) config.push('    clientcas:', `      - ${ca.caCert}`);

  let tokenServer: TokenServer | undefined;
  if (options.auth === 'htpasswd') {
    const file = join(dir, 'htpasswd');
    await writeFile(file, htpasswdFile(users));
    config.push('auth:', '  htpasswd:', '    realm: hoist-test', `    path: ${file}`);
  } else if (options.auth === 'token' && ca) {
    const signer = await createSigningCert(ca.dir);
    tokenServer = await startTokenServer({
      users,
      ...(options.refreshTokens ? { refreshTokens: options.refreshTokens } : {}),
      ...(options.readOnlyUsers ? { readOnlyUsers: options.readOnlyUsers } : {}),
      ...(options.acrExchange ? { acrExchange: options.acrExchange } : {}),
      signer,
      issuer: TOKEN_ISSUER,
      service: TOKEN_SERVICE,
      ...(serverCert ? { tls: serverCert } : {}),
    });
    config.push(
      'auth:',
      '  token:',
      `    realm: ${options.realm ?? (options.realmHost ? tokenServer.realm.replace('127.0.0.1', options.realmHost) : tokenServer.realm)}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${signer.cert}`,
    );
  }
  const configFile = join(dir, 'config.yml');
  const accessLogFile = join(dir, 'access.log');
  const errorLogFile = join(dir, 'registry.log');
  let host = '';
  let url = '';
  const caFile = serverCert ? ca?.caCert : undefined;
  const start = async (): Promise<ChildProcess> => {
    const started = await launch(binaries, configFile, accessLogFile, errorLogFile);
    try {
      await waitUntilReady(url, caFile, clientCert, started);
      return started;
    } catch (error) {
      started.kill('SIGKILL');
      const log = await readFile(errorLogFile, 'utf8').catch(() => '');
      throw new Error(`${(error as Error).message}\n${log.split('\n').slice(-5).join('\n')}`, { cause: error });
    }
  };
  // A free port can be taken by another process between freePort and the registry's bind; the
  // registry then exits, and another port is tried.
  const startOnFreePort = async (): Promise<ChildProcess> => {
    for (let attempt = 1; ; attempt++) {
      host = `127.0.0.1:${await freePort()}`;
      url = `${options.tls ? 'https' : 'http'}://${host}`;
      await writeFile(configFile, `${config.join('\n').replace(ADDRESS_LINE, `  addr: ${host}`)}\n`);
      try {
        return await start();
      } catch (error) {
        if (attempt >= PORT_ATTEMPTS || !/address already in use/.test((error as Error).message)) throw error;
      }
    }
  };
  let child: ChildProcess;
  try {
    child = await startOnFreePort();
  } catch (error) {
    await tokenServer?.close();
    throw error;
  }

  return {
    host,
    url,
    users,
    ...(caFile ? { caFile } : {}),
    ...(clientCert ? { clientCert } : {}),
    ...(tokenServer ? { tokenServer } : {}),
    dir,
    accessLog: () => readAccessLog(accessLogFile),
    readManifest: (repository, reference, user = Object.keys(users)[0]!) =>
      readRegistryManifest(
        { url, auth: options.auth ?? 'none', ...(caFile ? { caFile } : {}), ...(tokenServer ? { realm: tokenServer.realm, service: TOKEN_SERVICE } : {}) },
        repository,
        reference,
        { username: user, password: users[user] ?? '' },
      ),
    kill: () => stopProcess(child, 'SIGKILL'),
    async revive() {
      child = await start();
    },
    async stop() {
      await stopProcess(child);
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function mkdirIn(parent: string, name: string): Promise<string> {
  const path = join(parent, name);
  await mkdir(path);
  return path;
}

/** Starts the first of `binaries` that exists. */
async function launch(binaries: readonly string[], configFile: string, accessLogFile: string, errorLogFile: string): Promise<ChildProcess> {
  // Appending: a revived registry continues the same logs.
  const out = createWriteStream(accessLogFile, { flags: 'a' });
  const err = createWriteStream(errorLogFile, { flags: 'a' });
  await Promise.all([new Promise((r) => out.once('open', r)), new Promise((r) => err.once('open', r))]);
  for (const binary of binaries) {
    const child = spawn(binary, ['serve', configFile], { stdio: ['ignore', out, err] });
    const spawned = await new Promise<boolean>((resolve, reject) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(false) : reject(error)));
    });
    if (!spawned) continue;
    running.add(child);
    child.once('exit', () => running.delete(child));
    return child;
  }
  throw new Error(`no distribution registry found (tried ${binaries.join(', ')}): apt-get install -y docker-registry, or set HOIST_REGISTRY_BIN`);
}

async function waitUntilReady(url: string, caFile: string | undefined, clientCert: { cert: string; key: string } | undefined, child: ChildProcess): Promise<void> {
  const tls = {
    ...(caFile ? { ca: await readFile(caFile) } : {}),
    ...(clientCert ? { cert: await readFile(clientCert.cert), key: await readFile(clientCert.key) } : {}),
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`registry exited with code ${child.exitCode} before it was ready`);
    if (await answers(url, tls)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`registry at ${url} not ready after ${READY_TIMEOUT_MS} ms`);
}

function answers(url: string, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const request = url.startsWith('https') ? httpsRequest : httpRequest;
    const req = request(`${url}/v2/`, { ...tls, timeout: 1000 }, (res) => {
      res.resume();
      // Distribution's own answer, not another server's that holds the port.
      resolve((res.statusCode === 200 || res.statusCode === 401) && res.headers['docker-distribution-api-version'] === 'registry/2.0');
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
