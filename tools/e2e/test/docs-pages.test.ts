import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the README and docs/: the README stays one short page whose every command the docs
 * test runs, every relative link of the Markdown pages leads to a file (and heading) that exists,
 * and the release tarballs the pages name are the ones `npm run release` writes.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const README_MAX_LINES = 150;

async function pages(): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const bench = (await readdir(join(root, 'docs', 'bench'))).filter((f) => f.endsWith('.md')).map((f) => `docs/bench/${f}`);
  const packages = (await readdir(join(root, 'packages'))).map((p) => `packages/${p}/README.md`).filter((f) => existsSync(join(root, f)));
  return ['README.md', 'CONTRIBUTING.md', ...docs, ...bench, ...packages];
}

/** The text outside fenced code blocks, with inline code taken out. */
function prose(markdown: string): string {
  return markdown.replace(/^( *)```[\s\S]*?^\1```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(/^( *)```[\s\S]*?^\1```$/gm, '').matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

describe('anchors', () => {
  it('are made as GitHub makes them', () => {
    expect([...anchors("# hoist's own image\n## The stage that replaces `docker build` + `docker push`\n## Mirrors\n## Mirrors\n```sh\n# not a heading\n```\n")]).toEqual([
      'hoists-own-image',
      'the-stage-that-replaces-docker-build--docker-push',
      'mirrors',
      'mirrors-1',
    ]);
  });
});

describe('the README and docs/', () => {
  it(`keep the README to at most ${README_MAX_LINES} lines`, async () => {
    const lines = (await readFile(join(root, 'README.md'), 'utf8')).trimEnd().split('\n').length;
    expect(lines, 'README.md is the first screen; reference material goes to docs/').toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('have only sh and groovy code blocks in the README, so that the docs test runs every command in it', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const languages = [...readme.matchAll(/^```(\S*)\n[\s\S]*?^```$/gm)].map((m) => m[1]);
    expect(languages.length).toBeGreaterThan(0);
    for (const language of languages) expect(['sh', 'groovy']).toContain(language);
  });

  it('link only to files and headings that exist', async () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of await pages()) {
      const text = await readFile(join(root, page), 'utf8');
      for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto:
        checked++;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? join(root, page) : join(root, dirname(page), decodeURIComponent(path));
        if (relative(root, file).startsWith('..') || !existsSync(file)) {
          broken.push(`${page}: ${target} (no such file)`);
        } else if (anchor !== undefined && file.endsWith('.md') && !anchors(await readFile(file, 'utf8')).has(anchor)) {
          broken.push(`${page}: ${target} (no such heading in ${relative(root, file)})`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('name the release tarballs npm run release writes, at the packages\' versions', async () => {
    const named: string[] = [];
    for (const page of ['README.md', ...(await pages()).filter((p) => p.startsWith('docs/'))]) {
      for (const [tarball, name, version] of (await readFile(join(root, page), 'utf8')).matchAll(/\bhoist-(cli|adapter-[a-z]+)-(\d+\.\d+\.\d+)\.tgz\b/g)) {
        const manifest = JSON.parse(await readFile(join(root, 'packages', name!, 'package.json'), 'utf8')) as { version: string };
        expect(version, `${page}: ${tarball}`).toBe(manifest.version);
        named.push(tarball);
      }
    }
    expect(named).toContain(`hoist-cli-${(JSON.parse(await readFile(join(root, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version}.tgz`);
  });
});
