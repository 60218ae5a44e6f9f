import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { PushError } from '../errors.js';

/**
 * Per-host TLS the way Docker and podman configure it: certificate directories named after the
 * host (`/etc/docker/certs.d/<host[:port]>/`, `/etc/containers/certs.d/...`,
 * `~/.config/containers/certs.d/...`) holding `*.crt` CAs and a `client.cert` + `client.key`
 * pair for mutual TLS; or one directory for every host (`--cert-dir`); plus CA files and a
 * client pair given directly. Verification is on unless the user turns it off, by name.
 */
export interface TlsSettings {
  /** PEM bundles trusted, in addition to the system roots, for every host. */
  caFiles?: readonly string[];
  /** One directory used for every host instead of the certs.d search (`--cert-dir`). */
  certDir?: string;
  /** A client certificate and key for every host (`--cert`, `--key`). */
  clientCert?: { cert: string; key: string };
  /** Turn verification off (`--tls-verify=false`). */
  insecure?: boolean;
  /** Roots of the certs.d search; the defaults are Docker's and containers'. */
  certsDirRoots?: readonly string[];
}

export interface HostTls {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export function defaultCertsDirRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['/etc/docker/certs.d', '/etc/containers/certs.d', join(env['HOME'] || homedir(), '.config', 'containers', 'certs.d')];
}

export function tlsForHost(host: string, settings: TlsSettings): HostTls {
  if (settings.insecure) return { rejectUnauthorized: false };
  const extraCa = (settings.caFiles ?? []).map((file) => readPem(file, 'CA file'));
  if (settings.certDir !== undefined && !existsSync(settings.certDir)) throw new PushError('USAGE', `certificate directory ${settings.certDir} does not exist`);
  const dirs = settings.certDir ? [settings.certDir] : (settings.certsDirRoots ?? defaultCertsDirRoots()).map((root) => join(root, host)).filter((d) => existsSync(d));
  let client = settings.clientCert ? { cert: readPem(settings.clientCert.cert, 'client certificate'), key: readPem(settings.clientCert.key, 'client key') } : undefined;
  for (const dir of dirs) {
    const files = readdirSync(dir);
    for (const file of files.filter((f) => f.endsWith('.crt')).sort()) extraCa.push(readPem(join(dir, file), 'CA file'));
    if (!client && files.includes('client.cert') && files.includes('client.key')) {
      client = { cert: readPem(join(dir, 'client.cert'), 'client certificate'), key: readPem(join(dir, 'client.key'), 'client key') };
    }
  }
  return { ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}), ...(client ?? {}) };
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new PushError('USAGE', `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}
