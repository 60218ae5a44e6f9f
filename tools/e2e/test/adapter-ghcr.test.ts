import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * `hoist push` to ghcr.io from a GitHub Actions step: the workflow's GITHUB_TOKEN in the
 * environment and nothing else, no flag, no login. A real registry answers as ghcr.io (TLS for
 * the name, token auth with its realm on ghcr.io), reached through --resolve.
 */
let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token', tls: true, dnsNames: ['ghcr.io'], realmHost: 'ghcr.io' });
  layout = await tempDir();
  image = await makeImageLayout(layout, [16 * 1024]);
});
afterAll(async () => registry?.stop());

const ghcr = () => `ghcr.io:${registry.host.split(':')[1]}`;
const push = (tag: string, env: Record<string, string>) =>
  runHoist(['push', layout, `${ghcr()}/octo-org/app:${tag}`, '--resolve', 'ghcr.io:127.0.0.1', '--ca-file', registry.caFile!, '--retries', '0'], { env: { HOME: layout, DOCKER_CONFIG: layout, ...env } });

describe('ghcr.io from a workflow', () => {
  it("pushes with the workflow's GITHUB_TOKEN alone, and never prints it", async () => {
    const token = registry.users['hoist']!;
    const pushed = await push('1', { GITHUB_TOKEN: token, GITHUB_ACTOR: 'hoist' });
    expect(pushed.stderr).not.toContain('error');
    expect(pushed.code).toBe(0);
    expect(`${pushed.stdout}${pushed.stderr}`).not.toContain(token);
    expect(sha256(await registry.readManifest('octo-org/app', '1'))).toBe(image.manifest.digest);
  });

  it('without a token (and no login), is refused in one line: exit 1', async () => {
    const pushed = await push('2', {});
    expect(pushed.code).toBe(1);
    expect(pushed.stderr.trim().split('\n').filter((l) => l.startsWith('hoist: error:'))).toHaveLength(1);
  });
});
