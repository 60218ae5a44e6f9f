#!/usr/bin/env node
// Makes a fresh clone ready: the system tools the tests and the demo drive (a real registry,
// skopeo, umoci, openssl, a Docker Engine and a static busybox to build images from), then the
// npm workspace. Idempotent and quick when all is in place. Installing docker.io starts no
// daemon here: the tests start their own, in temp directories. `--npm-only` (for npm run build
// and npm run release, which drive no system tool) installs just the npm workspace.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SYSTEM_TOOLS = { 'docker-registry': 'docker-registry', skopeo: 'skopeo', umoci: 'umoci', openssl: 'openssl', ss: 'iproute2', curl: 'curl', '/usr/bin/time': 'time', tinyproxy: 'tinyproxy', dockerd: 'docker.io', '/bin/busybox': 'busybox-static', podman: 'podman', zstd: 'zstd' };

const npmOnly = process.argv.includes('--npm-only');
const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = npmOnly ? [] : Object.entries(SYSTEM_TOOLS)
  .filter(([command]) => !onPath(command))
  .map(([, pkg]) => pkg);

if (missing.length > 0) {
  const install = `apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`hoist setup: missing ${missing.join(', ')}; run: sudo apt-get update && sudo ${install}`);
    process.exit(1);
  }
  console.log(`hoist setup: installing ${missing.join(', ')} with apt`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

if (!existsSync(`${root}/node_modules/.bin/nx`)) {
  console.log('hoist setup: installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
