// The single-file CLI, dist/hoist.cjs: hoist with core, the generic and Docker Hub adapters and
// undici in one file that runs on Node.js >= 20.19 with nothing beside it. CommonJS, as the
// launcher it starts from (bin/hoist.cjs), so that libuv's thread pool is sized to the agent's
// cores before anything starts it. The cloud adapters stay outside (each is its own npm package
// with its cloud's SDK): installed next to the file, they load as they do for the npm-installed
// CLI; absent, the CLI says which to install. The launcher is the entry point, so the file keeps
// its guard against a false success (a command still pending when the event loop drains exits 1).
// Beside it, dist/hoist: a launcher to put on PATH by a link (ln -s /opt/hoist/hoist /usr/local/bin),
// as Jenkinsfiles call `hoist`. The file itself, executable, also runs as hoist wherever no
// package.json above it says "type": "module" (install -m 755 hoist.cjs /usr/local/bin/hoist).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: [new URL('../bin/hoist.cjs', import.meta.url).pathname],
  outfile: new URL('../dist/hoist.cjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.19',
  // The workspace packages from their TypeScript sources, as the tests read them.
  conditions: ['@hoist/source'],
  external: Object.keys(pkg.peerDependencies ?? {}),
  define: { HOIST_BUNDLED_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'none',
  logLevel: 'warning',
});

const launcher = new URL('../dist/hoist', import.meta.url).pathname;
writeFileSync(
  launcher,
  `#!/bin/sh
# hoist's single file, run by the Node.js on PATH (HOIST_NODE names another); a link to this launcher works too.
exec "\${HOIST_NODE:-node}" "$(dirname -- "$(readlink -f -- "$0")")/hoist.cjs" "$@"
`,
);
chmodSync(launcher, 0o755);
