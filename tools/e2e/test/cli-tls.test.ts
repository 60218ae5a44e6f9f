import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/** TLS as Docker and podman users configure it: a private CA, certs.d directories, mutual TLS. */
let mtls: TestRegistry;
let tls: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  [mtls, tls] = await Promise.all([startRegistry({ tls: true, clientCertificates: true }), startRegistry({ tls: true })]);
  layout = await tempDir();
  image = await makeImageLayout(layout, [16 * 1024]);
});
afterAll(async () => Promise.all([mtls?.stop(), tls?.stop()]));

/** A certs.d-style directory: ca.crt, and the client pair when asked. */
async function certDir(registry: TestRegistry, withClient: boolean, dir?: string): Promise<string> {
  const target = dir ?? (await tempDir());
  await mkdir(target, { recursive: true });
  await copyFile(registry.caFile!, join(target, 'ca.crt'));
  if (withClient) {
    await copyFile(registry.clientCert!.cert, join(target, 'client.cert'));
    await copyFile(registry.clientCert!.key, join(target, 'client.key'));
  }
  return target;
}

describe('mutual TLS', () => {
  it('pushes with --cert and --key', async () => {
    const run = await runHoist(['push', layout, `${mtls.host}/mtls/app:v1`, '--ca-file', mtls.caFile!, '--cert', mtls.clientCert!.cert, '--key', mtls.clientCert!.key]);
    expect(run.code).toBe(0);
  });

  it('pushes with a --cert-dir holding the CA and the client pair', async () => {
    const run = await runHoist(['push', layout, `${mtls.host}/mtls/app:v2`, '--cert-dir', await certDir(mtls, true)]);
    expect(run.code).toBe(0);
  });

  it('finds ~/.config/containers/certs.d/<host:port>/ by itself', async () => {
    const home = await tempDir();
    await certDir(mtls, true, join(home, '.config', 'containers', 'certs.d', mtls.host));
    const run = await runHoist(['push', layout, `${mtls.host}/mtls/app:v3`], { env: { HOME: home } });
    expect(run.code).toBe(0);
  });

  it('without a client certificate: exit 1 and one error line that points at the client certificate', async () => {
    // The server closes the connection after the handshake, which looks like any dropped
    // connection, so hoist retries it (each retry is a line) before giving up.
    const run = await runHoist(['push', layout, `${mtls.host}/mtls/app:nocert`, '--ca-file', mtls.caFile!, '--retries', '1']);
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('hoist: error:'));
    expect(errors).toEqual([expect.stringContaining('if the registry requires a client certificate, give it with --cert/--key or a certs.d directory')]);
  });
});

describe('--tls-verify=false', () => {
  it('pushes to a registry whose CA is unknown, and says verification is off', async () => {
    const run = await runHoist(['push', layout, `${tls.host}/insecure/app:v1`, '--tls-verify=false']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('hoist: warning: TLS certificates are not verified');
    expect(sha256(await skopeoRawManifest(`${tls.host}/insecure/app:v1`, { caFile: tls.caFile! }))).toBe(image.manifest.digest);
  });

  it('a missing --cert-dir is a usage error', async () => {
    const run = await runHoist(['push', layout, `${tls.host}/insecure/app:v2`, '--cert-dir', '/nonexistent/certs']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('certificate directory /nonexistent/certs does not exist');
  });
});
