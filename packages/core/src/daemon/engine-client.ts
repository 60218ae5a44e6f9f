import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { isPushError, PushError } from '../errors.js';
import { Agent, request } from '../registry/undici-dispatchers.js';

/**
 * The Docker Engine API, reached where the docker CLI reaches it: `DOCKER_HOST` (a unix socket
 * by default, `/var/run/docker.sock`; `tcp://` with `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`
 * for TLS). Podman's Docker-compatible socket answers the same calls. Paths carry no API version:
 * the daemon then serves its own, which every call made here has had since API 1.24.
 */
export interface EngineClient {
  /** Where the daemon is, for messages: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  readonly endpoint: string;
  send(method: 'GET' | 'POST', path: string, options?: { body?: Readable; headers?: Record<string, string>; signal?: AbortSignal }): Promise<EngineResponse>;
  /** Drops any response body still unread (a failed export), then closes the connection. */
  close(): Promise<void>;
}

export interface EngineResponse {
  status: number;
  body: Readable;
  /** The daemon's `{"message": ...}` for a failed call, read from the body. */
  message(): Promise<string>;
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
/** The daemon's error bodies are one JSON line; anything longer is cut for the message. */
const MAX_MESSAGE = 4096;

export function engineClient(env: NodeJS.ProcessEnv = process.env): EngineClient {
  const endpoint = env['DOCKER_HOST'] || DEFAULT_DOCKER_HOST;
  const { origin, dispatcher } = connectTo(endpoint, env);
  // undici's close() waits for every response to be read to its end. An export abandoned half
  // way (it was not a tar) is paused by back-pressure, so that wait never ended: the event loop
  // drained with the push pending and the process exited 0 (issue 26). Unread bodies are
  // destroyed first, which closes their sockets.
  const unread = new Set<Readable>();
  return {
    endpoint,
    async send(method, path, options = {}) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(dispatcher, {
          origin,
          method,
          path,
          headers: { ...options.headers },
          ...(options.body ? { body: options.body } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        // An aborted call, or a body that failed on its own (a blob that did not match its digest).
        if (options.signal?.aborted || isPushError(error)) throw error;
        throw unreachable(endpoint, error);
      }
      const body = response.body as unknown as Readable;
      unread.add(body);
      body.once('close', () => unread.delete(body));
      return { status: response.statusCode, body, message: () => readMessage(body) };
    },
    close: async () => {
      for (const body of unread) body.destroy();
      await dispatcher.close();
    },
  };
}

function connectTo(endpoint: string, env: NodeJS.ProcessEnv): { origin: string; dispatcher: Dispatcher } {
  if (endpoint.startsWith('unix://')) {
    // Timeouts are the caller's: an export of a big image may take long to start.
    return { origin: 'http://docker', dispatcher: new Agent({ connect: { socketPath: endpoint.slice('unix://'.length) }, headersTimeout: 0, bodyTimeout: 0 }) };
  }
  if (endpoint.startsWith('tcp://')) {
    const hostPort = endpoint.slice('tcp://'.length).replace(/\/$/, '');
    if (!env['DOCKER_TLS_VERIFY']) return { origin: `http://${hostPort}`, dispatcher: new Agent({ headersTimeout: 0, bodyTimeout: 0 }) };
    const dir = env['DOCKER_CERT_PATH'] || join(env['HOME'] || homedir(), '.docker');
    const connect = { ca: readCert(dir, 'ca.pem'), cert: readCert(dir, 'cert.pem'), key: readCert(dir, 'key.pem') };
    return { origin: `https://${hostPort}`, dispatcher: new Agent({ connect, headersTimeout: 0, bodyTimeout: 0 }) };
  }
  throw new PushError('USAGE', `DOCKER_HOST=${endpoint} is not supported: use unix:///path/to/docker.sock or tcp://HOST:PORT`);
}

function readCert(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (error) {
    throw new PushError('USAGE', `DOCKER_TLS_VERIFY is set but ${join(dir, file)} cannot be read (${(error as NodeJS.ErrnoException).code}); set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`);
  }
}

/** Why the daemon could not be reached, and what to do about it, in one line. */
function unreachable(endpoint: string, error: unknown): PushError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const socket = endpoint.startsWith('unix://');
  let why: string;
  if (code === 'EACCES') why = `permission denied on ${endpoint}: run as a member of the docker group (or root), or set DOCKER_HOST to a socket this user may open`;
  else if (socket && (code === 'ENOENT' || code === 'ECONNREFUSED')) why = `no Docker daemon at ${endpoint} (${code === 'ENOENT' ? 'no such socket' : 'nothing listening'}): start dockerd, or set DOCKER_HOST to its socket (podman: unix:///run/podman/podman.sock)`;
  else why = `cannot reach the Docker daemon at ${endpoint} (${code || (error as Error).message}): check that it runs and that DOCKER_HOST names it`;
  return new PushError('INVALID_SOURCE', why, { cause: error });
}

async function readMessage(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < MAX_MESSAGE) text += (chunk as Buffer).toString('utf8');
  }
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the text itself says what happened.
  }
  return text.trim().slice(0, 200);
}
