import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * The hints a connection failure gives send the user the right way (issue 27): a plain-HTTP
 * registry is told apart from an untrusted CA, `--plain-http HOST` takes every port of HOST, a
 * refusal to send credentials over plain HTTP says why and what to do, and a certificate for
 * other names says which names it holds. Each registry is reached by a name that is not
 * loopback (`--resolve` maps it to 127.0.0.1), as an agent reaches a registry on the network.
 */
const NAME = 'registry.hoist-test';
let plain: TestRegistry;
let guarded: TestRegistry;
let tls: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  [plain, guarded, tls] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' }), startRegistry({ tls: true })]);
  layout = await tempDir();
  image = await makeImageLayout(layout, [4 * 1024]);
});
afterAll(async () => Promise.all([plain?.stop(), guarded?.stop(), tls?.stop()]));

const portOf = (registry: TestRegistry) => registry.host.split(':')[1]!;
const resolve = ['--resolve', `${NAME}:127.0.0.1`, '--retries', '0'];

describe('hints', () => {
  it('a registry that answers plain HTTP: the hint names --plain-http HOST:PORT, and --plain-http HOST takes any port', async () => {
    const registry = `${NAME}:${portOf(plain)}`;
    const refused = await runHoist(['push', layout, `${registry}/hints/app:1`, ...resolve]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n').at(-1)).toBe(`hoist: error: TLS handshake with https://${registry} failed: ERR_SSL_WRONG_VERSION_NUMBER: it answers plain HTTP, not TLS (allow that with --plain-http ${registry}; hoist sends no credentials over plain HTTP off loopback)`);

    const pushed = await runHoist(['push', layout, `${registry}/hints/app:1`, ...resolve, '--plain-http', NAME]);
    expect(pushed.stderr).not.toContain('error');
    expect(pushed.code).toBe(0);
    expect(sha256(await skopeoRawManifest(`${plain.host}/hints/app:1`))).toBe(image.manifest.digest);
  });

  it('credentials over plain HTTP off loopback: refused, saying why and what to do instead', async () => {
    const registry = `${NAME}:${portOf(guarded)}`;
    const run = await runHoist(['push', layout, `${registry}/hints/app:1`, ...resolve, '--plain-http', registry, '-u', 'hoist', '--password-stdin'], { stdin: 'whatever\n' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^hoist: error: .*refusing to send credentials for ${NAME.replace('.', '\\.')}:\\d+ over plain HTTP, where anyone on the network path can read them: serve the registry over TLS \\(a private CA is trusted with --ca-file\\)`),
    );
  });

  it('a certificate for other names: the names it holds, not the CA hint', async () => {
    const registry = `${NAME}:${portOf(tls)}`;
    const run = await runHoist(['push', layout, `${registry}/hints/app:1`, ...resolve, '--ca-file', tls.caFile!]);
    expect(run.code).toBe(1);
    const line = run.stderr.trim().split('\n').at(-1)!;
    expect(line).toMatch(new RegExp(`^hoist: error: TLS handshake with https://${registry.replace('.', '\\.')} failed: its certificate is not for ${NAME.replace('.', '\\.')} \\(it holds .*IP Address:127\\.0\\.0\\.1.*\\); use a name the certificate holds$`));
    expect(line).not.toContain('--ca-file');
  });
});
