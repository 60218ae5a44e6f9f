#!/usr/bin/env node
// `npm run release`: tarballs that install with `npm install --global ./FILE` while no @hoist
// package is published. The packages of the workspace point at each other by registry version,
// so `npm pack` of the CLI alone cannot be installed (its @hoist dependencies are not on the
// registry). Here each tarball carries what it needs of the workspace:
//   hoist-cli-VERSION.tgz          the single-file CLI (core, the default adapters and undici in
//                                  one file), with no dependencies at all
//   hoist-adapter-ecr-VERSION.tgz  (and -gcr, -acr) the adapter with the part of core it uses
//                                  inlined; its cloud SDK stays a dependency, fetched from npm
// Installed globally side by side, the CLI finds the cloud adapters as it finds them beside the
// npm-installed CLI. Run after the workspace is built (npm run release builds it first).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
// `--out DIR` writes elsewhere (the tests do, to leave the tree alone).
const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? resolve(process.argv[outAt + 1]) : join(root, 'dist', 'release');
const CLOUD_ADAPTERS = ['adapter-ecr', 'adapter-gcr', 'adapter-acr'];
/** What every released package.json keeps of its workspace package.json. */
const KEPT = ['name', 'version', 'description', 'keywords', 'homepage', 'bugs', 'repository', 'license', 'engines'];

const manifestOf = (name) => JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
const kept = (manifest) => Object.fromEntries(KEPT.filter((key) => key in manifest).map((key) => [key, manifest[key]]));

/** Packs a staged directory into `out` and says the tarball's name. */
function pack(stage) {
  const [result] = JSON.parse(execFileSync('npm', ['pack', stage, '--pack-destination', out, '--json', '--silent'], { encoding: 'utf8' }));
  return result.filename;
}

function stageOf(name, files) {
  const stage = mkdtempSync(join(tmpdir(), `hoist-release-${name}-`));
  for (const file of ['README.md', 'LICENSE']) copyFileSync(join(root, 'packages', name, file), join(stage, file));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(stage, file), text);
  return stage;
}

function releaseCli() {
  const manifest = manifestOf('cli');
  // CommonJS by its extension wherever npm puts it: the launcher must size libuv's pool first.
  const stage = stageOf('cli', {
    'package.json': `${JSON.stringify({ ...kept(manifest), type: 'commonjs', bin: { hoist: 'hoist.cjs' }, files: ['hoist.cjs', 'README.md', 'LICENSE'] }, null, 2)}\n`,
  });
  copyFileSync(join(root, 'packages', 'cli', 'dist', 'hoist.cjs'), join(stage, 'hoist.cjs'));
  try {
    return pack(stage);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function releaseAdapter(name) {
  const manifest = manifestOf(name);
  const sdks = Object.keys(manifest.dependencies ?? {});
  const stage = stageOf(name, {
    'package.json': `${JSON.stringify({ ...kept(manifest), type: 'module', exports: './index.js', dependencies: manifest.dependencies, files: ['index.js', 'README.md', 'LICENSE'] }, null, 2)}\n`,
  });
  try {
    await build({
      entryPoints: [join(root, 'packages', name, 'src', 'index.ts')],
      outfile: join(stage, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.19',
      // Core from its TypeScript sources, inlined; the cloud's SDK is installed from npm with the tarball.
      conditions: ['@hoist/source'],
      external: sdks.flatMap((sdk) => [sdk, `${sdk}/*`]),
      // Core brings undici, which is CommonJS and requires Node's modules: an ES module has no require of its own.
      banner: { js: "import { createRequire as hoistRequire } from 'node:module';\nconst require = hoistRequire(import.meta.url);" },
      legalComments: 'none',
      logLevel: 'warning',
    });
    return pack(stage);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const written = [releaseCli(), ...(await Promise.all(CLOUD_ADAPTERS.map(releaseAdapter)))];
console.log(`hoist release: in ${out}`);
for (const file of written) console.log(`  ${file}`);
console.log(`install with: npm install --global ${join(out, written[0])}   (a cloud adapter: add its tarball to the same command)`);
