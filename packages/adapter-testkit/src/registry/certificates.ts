import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throw-away certificate authority for one test run, made with the openssl CLI (Node can parse
 * certificates but not issue them). P-256 keys: quick to make, and what the token signer uses.
 */
export interface TestCa {
  dir: string;
  caCert: string;
  caKey: string;
}

export interface IssuedCert {
  cert: string;
  key: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createTestCa(dir: string, name = 'hoist test CA'): Promise<TestCa> {
  const caCert = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await run('openssl', [
    'req', '-x509', ...EC_KEY, '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, caCert, caKey };
}

/** A server certificate for 127.0.0.1 and localhost (plus any extra DNS names), signed by the CA. */
export async function issueServerCert(ca: TestCa, name: string, dnsNames: readonly string[] = []): Promise<IssuedCert> {
  const key = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const cert = join(ca.dir, `${name}.crt`);
  const ext = join(ca.dir, `${name}.ext`);
  const san = ['IP:127.0.0.1', 'DNS:localhost', ...dnsNames.map((d) => `DNS:${d}`)].join(',');
  await writeFile(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.caCert, '-CAkey', ca.caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key };
}

/** A client certificate for mutual TLS, signed by the CA. */
export async function issueClientCert(ca: TestCa, name: string): Promise<IssuedCert> {
  const key = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const cert = join(ca.dir, `${name}.crt`);
  const ext = join(ca.dir, `${name}.ext`);
  await writeFile(ext, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  await run('openssl', ['req', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.caCert, '-CAkey', ca.caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key };
}

/** A self-signed certificate whose key signs tokens; the registry trusts it as its root bundle. */
export async function createSigningCert(dir: string): Promise<IssuedCert & { der: Buffer; keyPem: string }> {
  const cert = join(dir, 'token-signer.crt');
  const key = join(dir, 'token-signer.key');
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=hoist test token signer']);
  const pem = await readFile(cert, 'utf8');
  const base64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  return { cert, key, der: Buffer.from(base64, 'base64'), keyPem: await readFile(key, 'utf8') };
}
