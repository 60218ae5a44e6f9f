import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/**
 * `nx g @hoist/plugin:adapter NAME`, as CONTRIBUTING.md tells a contributor to run it, in a
 * scratch copy of the workspace's top level (its node_modules linked, so that core and the kit
 * resolve as they do here): the package it writes type-checks, and its own conformance test
 * passes as generated, against the real registry the kit starts.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const bin = (path: string) => join(ROOT, 'node_modules', path);

describe('nx g @hoist/plugin:adapter', () => {
  it('writes an adapter package that type-checks and passes the conformance kit as generated', async () => {
    const workspace = await tempDir('hoist-generate-');
    for (const file of ['package.json', 'nx.json', 'tsconfig.base.json', 'vitest.shared.ts']) await copyFile(join(ROOT, file), join(workspace, file));
    await mkdir(join(workspace, 'tools', 'scripts'), { recursive: true });
    await copyFile(join(ROOT, 'tools', 'scripts', 'test-tmpdir.mjs'), join(workspace, 'tools', 'scripts', 'test-tmpdir.mjs'));
    await mkdir(join(workspace, 'packages', 'core'), { recursive: true });
    await copyFile(join(ROOT, 'packages', 'core', 'LICENSE'), join(workspace, 'packages', 'core', 'LICENSE'));
    await symlink(join(ROOT, 'node_modules'), join(workspace, 'node_modules'));
    const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true' };

    await run(process.execPath, [bin('nx/dist/bin/nx.js'), 'g', '@hoist/plugin:adapter', 'acme', '--host', 'registry.acme.test', '--skipInstall', '--no-interactive'], { cwd: workspace, env });
    const pkg = join(workspace, 'packages', 'adapter-acme');
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { name: string; keywords: string[]; nx: { tags: string[] } };
    expect(manifest).toMatchObject({ name: '@hoist/adapter-acme', nx: { tags: ['scope:adapter'] } });
    expect(manifest.keywords).toContain('hoist-adapter');
    expect(await readFile(join(pkg, 'src', 'index.ts'), 'utf8')).toContain("matches: (registry) => hosts.has(registry.toLowerCase())");

    await run(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.spec.json'], { cwd: pkg, env });
    await run(process.execPath, [bin('vitest/vitest.mjs'), 'run'], { cwd: pkg, env });
    const report = JSON.parse(await readFile(join(workspace, 'test-reports', 'adapter-acme.json'), 'utf8')) as { numPassedTests: number; numFailedTests: number; testResults: { assertionResults: { title: string; status: string }[] }[] };
    const results = report.testResults.flatMap((r) => r.assertionResults);
    expect(report.numFailedTests).toBe(0);
    // Every group of the kit ran, the end-to-end ones included, but those for what a generated
    // adapter does not declare: repository creation, immutable tags, refusal hints, response info.
    const titles = (status: string) => results.filter((r) => r.status === status).map((r) => r.title);
    expect(titles('skipped')).toEqual([
      'creates a repository the registry does not know, once, and the push lands',
      'keeps a tag the registry will not move: the same push again passes, another image fails TAG_IMMUTABLE',
      'adds its word to the error when credentials the registry takes may not push',
      "reports what it reads in the registry's answers once, as a registry-info event",
    ]);
    expect(titles('passed')).toEqual(
      expect.arrayContaining([
        'sends each blob as the adapter declares (one PUT, or PATCHes of its chunk size) and it lands whole',
        'mounts blobs it pushed to another repository when it declares mounts, and tries none when not',
        "reaches the registry through the adapter's API host, never resolving the registry's own name",
        'maps refused credentials to UNAUTHORIZED or DENIED, with no secret in the error',
      ]),
    );
  }, 180_000);
});
