import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * The library snippets of docs/library.md, run as they are written (the registry's name swapped
 * for the test registry's address): each must push, and print the digest the registry then holds.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
let registry: TestRegistry;
let workdir: string;
let snippets: string[];

beforeAll(async () => {
  registry = await startRegistry();
  const page = await readFile(join(ROOT, 'docs', 'library.md'), 'utf8');
  snippets = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  // What the snippets expect beside them: an OCI layout in build/image, an app in dist/, a base.
  workdir = await tempDir('hoist-library-');
  await symlink(join(ROOT, 'node_modules'), join(workdir, 'node_modules'));
  await makeImageLayout(join(workdir, 'build', 'image'), [64 * 1024]);
  await mkdir(join(workdir, 'dist'));
  await writeFile(join(workdir, 'dist', 'server.js'), 'console.log("serving");\n');
  const rootfs = await tempDir('hoist-rootfs-');
  await writeFile(join(rootfs, 'README'), 'a base image of one file\n');
  expect((await runHoist(['build', '--from', 'scratch', '--add', `${rootfs}:/`, `${registry.host}/base/node:20`])).code).toBe(0);
});
afterAll(async () => registry?.stop());

async function runSnippet(snippet: string): Promise<string> {
  const file = join(workdir, `snippet-${sha256(Buffer.from(snippet)).slice(7, 15)}.mjs`);
  await writeFile(file, snippet.replaceAll('registry.example.com', registry.host));
  const { stdout } = await run(process.execPath, [file], { cwd: workdir });
  return stdout.trim().split('\n').at(-1)!;
}

describe('library snippets of docs/library.md', () => {
  it('there are two: a push of a layout, and a custom pusher that builds first in under 20 lines', () => {
    expect(snippets).toHaveLength(2);
    expect(snippets[1]!.trim().split('\n').length).toBeLessThan(20);
  });

  it('the layout push prints the digest the registry holds', async () => {
    const digest = await runSnippet(snippets[0]!);
    expect(sha256(await skopeoRawManifest(`${registry.host}/team/app:1.4.2`))).toBe(digest);
  });

  it('the custom pusher builds on the base without sending its layer again, and prints the digest the registry holds', async () => {
    const mark = (await registry.accessLog()).length;
    const digest = await runSnippet(snippets[1]!);
    const manifest = await skopeoRawManifest(`${registry.host}/team/app:1.4.2`);
    expect(sha256(manifest)).toBe(digest);
    const baseLayer = (JSON.parse(manifest.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
    const uploads = (await registry.accessLog()).slice(mark).filter((e) => e.method === 'PUT' && e.uri.includes('/blobs/uploads/'));
    expect(uploads.some((e) => e.uri.includes(encodeURIComponent(baseLayer)))).toBe(false);
    const config = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', '--config', `docker://${registry.host}/team/app:1.4.2`])).stdout) as { config: { Entrypoint: string[]; Env: string[] } };
    expect(config.config.Entrypoint).toEqual(['node', '/app/server.js']);
    expect(config.config.Env).toContain('NODE_ENV=production');
  });
});
