// The single-file CLI, dist/hoist.mjs: hoist with core, the generic and Docker Hub adapters and
// undici in one ES module that runs on Node.js >= 20.19 with nothing beside it. The cloud
// adapters stay outside (each is its own npm package with its cloud's SDK): installed next to
// the file, they load as they do for the npm-installed CLI; absent, the CLI says which to install.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: [new URL('../bin/hoist.js', import.meta.url).pathname],
  outfile: new URL('../dist/hoist.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // The workspace packages from their TypeScript sources, as the tests read them.
  conditions: ['@hoist/source'],
  external: Object.keys(pkg.peerDependencies ?? {}),
  define: { HOIST_BUNDLED_VERSION: JSON.stringify(pkg.version) },
  // undici is CommonJS; its few require() calls of Node's own modules need a require here.
  banner: { js: "import { createRequire as hoistCreateRequire } from 'node:module'; const require = hoistCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
