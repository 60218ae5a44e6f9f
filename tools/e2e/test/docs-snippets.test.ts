import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, skopeoListTags, skopeoRawManifest } from '@hoist/test-images';
import { startDockerDaemon, startRegistry, type TestDockerDaemon, type TestRegistry } from '@hoist/test-registry';
import { HOIST_BIN, tempDir } from './helpers.js';

/**
 * Every shell snippet of the README and docs/ runs as Jenkins runs an `sh` step on a Debian
 * agent: under dash, with `-e`. `sh` code blocks run whole; in `groovy` blocks, the bodies of
 * `sh '...'` and `sh '''...'''` steps run, with the `environment {}` settings of the block (once
 * per value of a matrix axis, with its variable set). The README runs first, then docs/ in
 * alphabetical order, in a workspace with a Dockerfile at its root and in backend/ and frontend/,
 * against a real daemon and a real registry standing in for registry.example.com. `npm` and
 * `syft` are stubs here (installing the packages is install.test.ts's business, SBOMs syft's);
 * `hoist` is the built CLI. Order matters: docs/ pushes with the credentials the README's
 * `hoist login` stored, and docs/fleet.md mirrors what docs/build.md built. docs-pages.test.ts
 * keeps every code block of the README one that runs here.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const PLACEHOLDER_REGISTRY = 'registry.example.com';
const GIT_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const SPDX_STUB = { spdxVersion: 'SPDX-2.3', name: 'backend', packages: [] };

interface Snippet {
  where: string;
  body: string;
  env: Record<string, string>;
}

/** The snippets of one Markdown file, in order. */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const block of markdown.matchAll(/^```(sh|groovy)\n([\s\S]*?)^```$/gm)) {
    const [, language, text] = block as unknown as [string, string, string];
    const line = markdown.slice(0, block.index).split('\n').length;
    if (language === 'sh') {
      snippets.push({ where: `${file}:${line}`, body: text, env: {} });
      continue;
    }
    const env = Object.fromEntries([...(/environment \{([\s\S]*?)\n\s*\}/.exec(text)?.[1] ?? '').matchAll(/^\s*([A-Z_]+) = '([^']*)'/gm)].map((m) => [m[1]!, m[2]!]));
    // A matrix runs its steps once per value of its axis, with the axis's variable set to it.
    const axis = /axis \{ name '([A-Z_]+)'; values ((?:'[^']*'(?:, )?)+) \}/.exec(text);
    const rounds = axis ? [...axis[2]!.matchAll(/'([^']*)'/g)].map((m) => ({ [axis[1]!]: m[1]! })) : [{}];
    for (const round of rounds) {
      // Groovy drops a backslash-newline inside ''' strings; the shell would join the lines the same way.
      for (const step of text.matchAll(/\bsh '''([\s\S]*?)'''|\bsh '([^'\n]*)'/g)) {
        snippets.push({ where: `${file}:${line}`, body: (step[1] ?? step[2]!).replace(/\\\n/g, ''), env: { ...env, ...round } });
      }
    }
  }
  return snippets;
}

let daemon: TestDockerDaemon;
let registry: TestRegistry;
let workspace: string;
let bin: string;

beforeAll(async () => {
  [daemon, registry] = await Promise.all([startDockerDaemon(), startRegistry({ auth: 'htpasswd' })]);
  workspace = await tempDir('hoist-workspace-');
  for (const dir of ['.', 'backend', 'frontend']) {
    await mkdir(join(workspace, dir), { recursive: true });
    await copyFile('/bin/busybox', join(workspace, dir, 'busybox'));
    await writeFile(join(workspace, dir, 'Dockerfile'), `FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo ${dir} > /which"]\n`);
  }
  bin = await tempDir('hoist-bin-');
  await writeFile(join(bin, 'hoist'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(HOIST_BIN)} "$@"\n`);
  await writeFile(join(bin, 'npm'), '#!/bin/sh\nexit 0\n');
  // SBOMs are syft's business: the stub prints a minimal SPDX document for docs/jenkins.md's attach.
  await writeFile(join(bin, 'syft'), `#!/bin/sh\nprintf '%s\\n' '${JSON.stringify(SPDX_STUB)}'\n`);
  await Promise.all([chmod(join(bin, 'hoist'), 0o755), chmod(join(bin, 'npm'), 0o755), chmod(join(bin, 'syft'), 0o755)]);
  await symlink('/usr/bin/docker', join(bin, 'docker'));
}, 60_000);
afterAll(async () => Promise.all([daemon?.stop(), registry?.stop()]));

function dash(body: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = join(workspace, '.home');
  return new Promise((resolve) => {
    execFile(
      'dash',
      ['-e', '-c', body],
      {
        cwd: workspace,
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          HOME: home,
          DOCKER_CONFIG: join(home, '.docker'),
          XDG_CACHE_HOME: join(home, '.cache'),
          DOCKER_HOST: daemon.host,
          DOCKER_BUILDKIT: '0',
          WORKSPACE: workspace,
          BUILD_NUMBER: '42',
          GIT_COMMIT,
          BRANCH_NAME: 'feature/login',
          REG_USER: 'hoist',
          REG_PASS: registry.users['hoist']!,
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

async function docsSnippets(): Promise<Snippet[]> {
  const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const all: Snippet[] = [];
  for (const file of files) all.push(...extractSnippets(await readFile(join(root, file), 'utf8'), file));
  return all;
}

describe('shell snippets of the README and docs', () => {
  it('is a runner that fails on bash-isms, as Jenkins on a Debian agent does', async () => {
    const run = await dash('echo "git-${GIT_COMMIT:0:12}"', {});
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Bad substitution');
  });

  it('run under dash, in order, and push what they say', async () => {
    const snippets = await docsSnippets();
    expect(snippets.map((s) => s.where)).toEqual(expect.arrayContaining([expect.stringMatching(/^README\.md:/), expect.stringMatching(/^docs\/jenkins\.md:/)]));
    for (const snippet of snippets) {
      const body = snippet.body.replaceAll(PLACEHOLDER_REGISTRY, registry.host);
      const env = Object.fromEntries(Object.entries(snippet.env).map(([k, v]) => [k, v.replaceAll(PLACEHOLDER_REGISTRY, registry.host)]));
      const run = await dash(body, env);
      expect(run.code, `${snippet.where}\n${body}\n${run.stderr}`).toBe(0);
    }

    const access = { username: 'hoist', password: registry.users['hoist']! };
    const shortCommit = `git-${GIT_COMMIT.slice(0, 12)}`;
    // The README's pushes (from docker build, and its Jenkins stage), and docs/build.md's image with an entrypoint of its own.
    expect((await skopeoListTags(`${registry.host}/team/app`, access)).sort()).toEqual(expect.arrayContaining(['1', '42', 'latest', 'feature-login', shortCommit, 'build-1']));
    const digest = sha256(await skopeoRawManifest(`${registry.host}/team/backend:42`, access));
    // The build's tags, prod (the promotion), and the SBOM's fallback tag (sha256-<hex>).
    expect((await skopeoListTags(`${registry.host}/team/backend`, access)).sort()).toEqual(['42', 'built', 'feature-login', 'prod', shortCommit, digest.replace(':', '-')].sort());
    expect(await readFile(join(workspace, 'backend.digest'), 'utf8')).toBe(`${digest}\n`);
    expect(await readFile(join(workspace, 'backend.refs'), 'utf8')).toBe(`${registry.host}/team/backend@${digest}\n`);
    // docs/jenkins.md's promotion: prod names the digest the build pushed.
    expect(sha256(await skopeoRawManifest(`${registry.host}/team/backend:prod`, access))).toBe(digest);
    // docs/jenkins.md's SBOM stage: the document, attached to that digest, listed under its fallback tag.
    const referrers = JSON.parse((await skopeoRawManifest(`${registry.host}/team/backend:${digest.replace(':', '-')}`, access)).toString()) as { manifests: { artifactType: string }[] };
    expect(referrers.manifests.map((m) => m.artifactType)).toEqual(['application/spdx+json']);
    // docs/build.md: images built without the daemon, on a base built from scratch.
    const frontend = sha256(await skopeoRawManifest(`${registry.host}/team/frontend:built`, access));
    expect(await readFile(join(workspace, 'frontend-built.digest'), 'utf8')).toBe(`${frontend}\n`);
    const built = JSON.parse((await skopeoRawManifest(`${registry.host}/team/backend:built`, access)).toString()) as { layers: unknown[]; annotations: Record<string, string> };
    expect(built.layers).toHaveLength(2);
    expect(built.annotations).toMatchObject({ 'org.opencontainers.image.revision': GIT_COMMIT, 'org.opencontainers.image.base.name': `${registry.host}/base/busybox:1` });
    // docs/fleet.md: the mirror plan, divided among three shards, each image copied by exactly one.
    const shardLines = await Promise.all([0, 1, 2].map(async (i) => (await readFile(join(workspace, `shard-${i}.json`), 'utf8')).trim().split('\n')));
    const copied = shardLines.flat().map((l) => JSON.parse(l) as { type: string; name?: string }).filter((l) => l.type === 'image').map((l) => l.name);
    expect(copied.sort()).toEqual([`docker://${registry.host}/team/backend:built`, `docker://${registry.host}/team/frontend:built`]);
    for (const app of ['backend', 'frontend']) {
      expect(sha256(await skopeoRawManifest(`${registry.host}/mirror/${app}:built`, access))).toBe(sha256(await skopeoRawManifest(`${registry.host}/team/${app}:built`, access)));
    }
  }, 120_000);
});
