#!/usr/bin/env node
// The main job, end to end: start a real registry on loopback, make a small OCI layout, push it
// with the hoist CLI, and show how to check the result independently with skopeo.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeImageLayout } from '@hoist/test-images';
import { startRegistry } from '@hoist/test-registry';

const hoist = fileURLToPath(new URL('../../packages/cli/bin/hoist.js', import.meta.url));
const registry = await startRegistry({ auth: 'htpasswd' });
const [user, password] = Object.entries(registry.users)[0];
const scratch = await mkdtemp(join(tmpdir(), 'hoist-demo-'));
try {
  const layout = join(scratch, 'layout');
  await makeImageLayout(layout, [512 * 1024, 64 * 1024], 'demo');
  const destination = `${registry.host}/demo/hello:1.0`;
  console.log(`registry: ${registry.url} (docker-registry, htpasswd user "${user}")`);
  console.log(`layout:   ${layout}`);
  console.log(`$ hoist push oci:${layout}:demo ${destination} -t latest -u ${user} --password-stdin\n`);
  const run = spawnSync(process.execPath, [hoist, 'push', `oci:${layout}:demo`, destination, '-t', 'latest', '-u', user, '--password-stdin'], {
    input: `${password}\n`,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  // exitCode, not exit(): the registry and the layout still have to go.
  if (run.status !== 0) {
    process.exitCode = run.status ?? 1;
  } else {
    // The password goes to skopeo in an auth file, never in its argv or on the screen.
    const authFile = join(scratch, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }), { mode: 0o600 });
    const check = ['skopeo', 'inspect', '--tls-verify=false', '--authfile', authFile, `docker://${destination}`];
    console.log(`\ncheck it independently (while the registry runs): ${check.join(' ')}`);
    const inspected = spawnSync(check[0], check.slice(1), { encoding: 'utf8' });
    if (inspected.status !== 0) process.exitCode = 1;
    console.log(inspected.status === 0 ? `skopeo sees: ${JSON.parse(inspected.stdout).Digest}` : `skopeo failed: ${inspected.stderr}`);
  }
} finally {
  await registry.stop();
  await rm(scratch, { recursive: true, force: true });
}
