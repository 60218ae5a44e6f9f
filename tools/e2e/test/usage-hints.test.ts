import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, skopeoRawManifest, type WrittenImage } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * Hints that send people the right way (issue 27): each message a user meets for a common slip
 * says what to write instead, and what was right is not refused. A real registry and the built CLI.
 */
let registry: TestRegistry;
let layout: string;
let image: WrittenImage;

beforeAll(async () => {
  registry = await startRegistry();
  layout = join(await tempDir(), 'layout');
  image = await makeImageLayout(layout, [4096]);
});
afterAll(async () => registry?.stop());

function expectUsageLine(run: { code: number | null; stdout: string; stderr: string }, line: string): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`hoist: error: ${line}\n`);
}

describe('hints', () => {
  it('a source with no transport that names an image suggests docker-daemon:', async () => {
    const run = await runHoist(['push', 'backend:42', `${registry.host}/team/backend:42`]);
    expectUsageLine(run, 'backend:42: no such file or directory; for the image backend:42 in a Docker daemon, write docker-daemon:backend:42 (docker://backend:42 for one in a registry)');
  });

  it('a missing archive path is not taken for an image name', async () => {
    const run = await runHoist(['push', 'dist/image.tar', `${registry.host}/team/backend:42`]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('docker-daemon:');
  });

  it('a destination whose tag holds a "/" says where the tag is and suggests --tag-env', async () => {
    const run = await runHoist(['push', `oci:${layout}`, `${registry.host}/team/backend:feature/login`]);
    expectUsageLine(
      run,
      `destination "${registry.host}/team/backend:feature/login": the tag is the part after the last ":", and "feature/login" holds a "/", which no tag may; for a branch name, --tag-env VAR makes a tag of it (feature/login becomes feature-login)`,
    );
  });

  it('--platform on a single-platform image of that platform pushes it as it is', async () => {
    const run = await runHoist(['push', '-q', '--platform', 'linux/amd64', `oci:${layout}`, `${registry.host}/team/single:1`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${image.manifest.digest}\n`);
    expect(sha256(await skopeoRawManifest(`${registry.host}/team/single:1`))).toBe(image.manifest.digest);
  });

  it('--platform on a single-platform image of another platform names the one it has', async () => {
    const run = await runHoist(['push', '--platform', 'linux/arm64', `oci:${layout}`, `${registry.host}/team/single:2`]);
    expectUsageLine(run, '--platform linux/arm64: this image is a single manifest for linux/amd64; push the image built for that platform, or this one without --platform');
  });

  it('the end line names only what changed the digest', async () => {
    const run = await runHoist(['push', '--annotation', 'org.example.note=hint', `oci:${layout}`, `${registry.host}/team/annotated:1`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`(the source's digest was ${image.manifest.digest.slice(7, 19)}: annotations were set on the way, so the pushed manifest differs)\n`);
  });

  it('-t with a "/" at a registry points at --tag-env; an OCI layout takes it as a ref', async () => {
    const refused = await runHoist(['push', `oci:${layout}`, `${registry.host}/team/backend:1`, '-t', 'feature/login']);
    expectUsageLine(refused, 'tag "feature/login": a registry\'s tag may not hold "/"; for a branch name, --tag-env VAR makes a tag of it (feature/login becomes feature-login)');
    const out = join(await tempDir(), 'out');
    const written = await runHoist(['push', '-q', `oci:${layout}`, `oci:${out}`, '-t', 'feature/login']);
    expect(written.code, written.stderr).toBe(0);
  });
});
