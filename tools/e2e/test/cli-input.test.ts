import { lstat, readFile, symlink, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayoutWriter, makeImageLayout, makeIndexLayout, sha256, skopeoListTags, skopeoRawManifest } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { flipByte, HOIST_BIN, manifestStatus, runHoist, tempDir } from './helpers.js';

/** The CLI's contract with a pipeline: outputs, exit codes, and bad input refused before any request. */
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => registry?.stop());

async function requestCount(): Promise<number> {
  return (await registry.accessLog()).length;
}

describe('hoist push outputs', () => {
  it('--image-refs lists each registry pushed to by digest; a failed push leaves no --digest-file or --image-refs', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [8 * 1024]);
    const out = await tempDir();
    const [digestFile, refsFile] = [join(out, 'digest'), join(out, 'refs')];
    const ok = await runHoist(['push', dir, `${registry.host}/refs/a:v1`, `${registry.host}/refs/b:v1`, '--digest-file', digestFile, '--image-refs', refsFile]);
    expect(ok.code).toBe(0);
    expect(await readFile(refsFile, 'utf8')).toBe(`${registry.host}/refs/a@${image.manifest.digest}\n${registry.host}/refs/b@${image.manifest.digest}\n`);

    // The next run fails (nothing listens there): the files of the run before must not survive it.
    const failed = await runHoist(['push', dir, '127.0.0.1:1/refs/a:v2', '--digest-file', digestFile, '--image-refs', refsFile, '--retries', '0']);
    expect(failed.code).toBe(1);
    await expect(readFile(digestFile)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(refsFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });


  it('--digest-file /dev/stdout, a link into /dev or a named pipe is written to, never removed; a link to a file has its target replaced', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [4 * 1024]);
    const out = await tempDir();
    // Deleting such a path turned /dev/null into a regular file for every process of a root container.
    await symlink('/dev/null', join(out, 'null'));
    await writeFile(join(out, 'old-digest'), 'sha256:stale\n');
    await symlink(join(out, 'old-digest'), join(out, 'linked'));
    const toStdout = await runHoist(['push', dir, `${registry.host}/special/app:1`, '-q', '--digest-file', '/dev/stdout', '--image-refs', join(out, 'null')]);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    expect(toStdout.stdout).toBe(`${image.manifest.digest}\n${image.manifest.digest}\n`);
    expect((await lstat(join(out, 'null'))).isSymbolicLink()).toBe(true);
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);

    const linked = await runHoist(['push', dir, `${registry.host}/special/app:1`, '--digest-file', join(out, 'linked')]);
    expect(linked.code, linked.stderr).toBe(0);
    expect((await lstat(join(out, 'linked'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(out, 'old-digest'), 'utf8')).toBe(`${image.manifest.digest}\n`);

    // A descriptor the shell opened: `--digest-file /dev/fd/3 3>digest.txt`.
    const fd3 = join(out, 'fd3.txt');
    const viaFd = await promisify(execFile)('sh', ['-c', `"$0" "$@" 3>${fd3}`, process.execPath, HOIST_BIN, 'push', dir, `${registry.host}/special/app:1`, '-q', '--digest-file', '/dev/fd/3']);
    expect(viaFd.stdout).toBe(`${image.manifest.digest}\n`);
    expect(await readFile(fd3, 'utf8')).toBe(`${image.manifest.digest}\n`);

    await promisify(execFile)('mkfifo', [join(out, 'pipe')]);
    const reader = readFile(join(out, 'pipe'), 'utf8');
    const piped = await runHoist(['push', dir, `${registry.host}/special/app:1`, '--digest-file', join(out, 'pipe')]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(await reader).toBe(`${image.manifest.digest}\n`);
    expect((await lstat(join(out, 'pipe'))).isFIFO()).toBe(true);
  });

  it('--json: events, then a summary naming the digest and every reference; --digest-file written', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [32 * 1024]);
    const digestFile = join(await tempDir(), 'digest');
    const run = await runHoist(['push', `oci:${dir}`, `${registry.host}/json/app:v1`, `${registry.host}/json/other`, '-t', 'ci-42', '--json', '--digest-file', digestFile]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, -1).map((l) => l['type'])).toContain('blob-uploaded');
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      digest: image.manifest.digest,
      references: [`${registry.host}/json/app:v1`, `${registry.host}/json/app:ci-42`, `${registry.host}/json/other:ci-42`],
    });
    expect(await readFile(digestFile, 'utf8')).toBe(`${image.manifest.digest}\n`);
    expect(await skopeoListTags(`${registry.host}/json/other`)).toEqual(['ci-42']);
  });

  it('plain lines without a TTY, and -q prints the digest alone', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [16 * 1024]);
    const plain = await runHoist(['push', dir, `${registry.host}/plain/app:v1`]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/plain\/app: [0-9a-f]{12} uploaded/);
    expect(plain.stderr).not.toContain('\x1b[');
    expect(plain.stdout).toContain(`digest: ${image.manifest.digest}`);

    const quiet = await runHoist(['push', dir, `${registry.host}/plain/app:v2`, '-q']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe(`${image.manifest.digest}\n`);
    expect(quiet.stderr).toBe('');
  });

  it('-j 24 over 30 layers: pushed, and not a word on stderr beyond the progress lines', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, Array.from({ length: 30 }, (_, i) => 1024 + i));
    const run = await runHoist(['push', dir, `${registry.host}/wide/app:v1`, '-j', '24']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/warning|MaxListeners/i);
    expect(sha256(await skopeoRawManifest(`${registry.host}/wide/app:v1`))).toBe(image.manifest.digest);
  });

  it('picks an image by ref from a layout holding several', async () => {
    const dir = await tempDir();
    const writer = await LayoutWriter.create(dir);
    const a = await writer.writeImage([1024]);
    const b = await writer.writeImage([2048]);
    await writer.writeIndexJson([{ descriptor: a.manifest, ref: 'a' }, { descriptor: b.manifest, ref: 'b' }]);

    const ambiguous = await runHoist(['push', dir, `${registry.host}/refs/app:v1`]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('pick one with oci:PATH:REF from: a, b');

    const picked = await runHoist(['push', `oci:${dir}:b`, `${registry.host}/refs/app:v1`]);
    expect(picked.code).toBe(0);
    expect(sha256(await skopeoRawManifest(`${registry.host}/refs/app:v1`))).toBe(b.manifest.digest);
  });
});

describe('hoist push --platform', () => {
  it('one platform of a nested index is pushed as its own manifest, and the output says the digest changed', async () => {
    const dir = await tempDir();
    const { index, images } = await makeIndexLayout(dir, { nested: true });
    const run = await runHoist(['push', dir, `${registry.host}/platform/app:arm`, '--platform', 'linux/arm64']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`the source's digest was ${index.digest.slice(7, 19)}`);
    expect(run.stdout).toContain(`digest: ${images[1]!.manifest.digest}`);
    expect(sha256(await skopeoRawManifest(`${registry.host}/platform/app:arm`))).toBe(images[1]!.manifest.digest);
  });

  it('a platform the index lacks: exit 2 listing what it has', async () => {
    const dir = await tempDir();
    await makeIndexLayout(dir);
    const run = await runHoist(['push', dir, `${registry.host}/platform/app:none`, '--platform', 'windows/amd64']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no entry for windows/amd64 in the index; it has: linux/amd64, linux/arm64');
  });
});

describe('hoist push refuses bad input with exit 2 and one line, before any request', () => {
  it.each([
    ['an uppercase repository', (dir: string) => ['push', dir, `${registry.host}/Team/app:v1`], 'repository component "Team" must be lowercase'],
    ['a bad tag', (dir: string) => ['push', dir, `${registry.host}/team/app:-x`], 'tag "-x"'],
    ['a bad extra tag', (dir: string) => ['push', dir, `${registry.host}/team/app`, '-t', 'a b'], 'invalid'],
    ['a bad digest', (dir: string) => ['push', dir, `${registry.host}/team/app@sha256:12`], 'digest "sha256:12"'],
    ['a missing layout', () => ['push', '/nonexistent/layout', `${registry.host}/team/app:v1`], 'no such directory'],
    ['a directory that is no layout', () => ['push', '/tmp', `${registry.host}/team/app:v1`], 'oci-layout is missing'],
    ['no destination', (dir: string) => ['push', dir], 'needs a source and at least one destination'],
    ['a username without --password-stdin', (dir: string) => ['push', dir, `${registry.host}/team/app`, '-u', 'x'], '--password-stdin'],
    ['a password in argv', (dir: string) => ['push', dir, `${registry.host}/team/app`, '--password', 'x'], 'unknown option --password: hoist takes no secret on the command line: use --username with --password-env VAR or --password-stdin'],
    ["skopeo's --digestfile", (dir: string) => ['push', dir, `${registry.host}/team/app`, '--digestfile', 'd'], 'unknown option --digestfile; did you mean --digest-file?'],
    ['a registry with no repository', (dir: string) => ['push', dir, registry.host, '-u', 'hoist', '--password-env', 'P'], 'names a registry but no repository: add one, e.g. 127.0.0.1:'],
    ['an unknown command', () => ['pull', 'x'], 'unknown command "pull"'],
    ['an unwritable --digest-file', (dir: string) => ['push', dir, `${registry.host}/team/app`, '--digest-file', '/nonexistent/dir/digest'], '--digest-file /nonexistent/dir/digest cannot be written (ENOENT)'],
  ])('%s', async (_name, args, message) => {
    const dir = await tempDir();
    await makeImageLayout(dir, [1024]);
    const before = await requestCount();
    const run = await runHoist(args(dir), { env: { P: 'a-password' } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(await requestCount()).toBe(before);
  });

  it('ref names from an index.json are printed escaped, on the one error line', async () => {
    const dir = await tempDir();
    const { writer, manifest } = await makeImageLayout(dir, [1024]);
    await writer.writeIndexJson([{ descriptor: manifest, ref: 'a\nhoist: pushed OK' }, { descriptor: manifest, ref: 'b\u001b[2J' }]);
    const run = await runHoist(['push', dir, `${registry.host}/team/app:1`]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('\u001b');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('pick one with oci:PATH:REF from: a\\nhoist: pushed OK, b\\u001b[2J')]);
  });

  it('a layer whose bytes do not match its digest: exit 2, nothing tagged', async () => {
    const dir = await tempDir();
    const image = await makeImageLayout(dir, [64 * 1024]);
    await flipByte(image.writer.blobPath(image.layers[0]!.digest), 10);
    const run = await runHoist(['push', dir, `${registry.host}/corrupt/cli:v1`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`blob ${image.layers[0]!.digest.slice(7, 19)} is corrupt in the source`);
    expect(await manifestStatus(registry.url, 'corrupt/cli', 'v1')).toBe(404);
  });
});

describe('hoist', () => {
  it('--version and --help answer without a registry', async () => {
    const version = await runHoist(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^hoist \d+\.\d+\.\d+\n$/);
    const help = await runHoist(['push', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--password-stdin');
  });
});
