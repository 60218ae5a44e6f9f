#!/usr/bin/env node
// The main job, end to end, as a pipeline does it: `docker build` an image in a Docker daemon,
// push it with `hoist push docker-daemon:...` to a real registry that wants a password, then
// pull it back into the daemon and run it, and read it independently with skopeo. The daemon
// and the registry are the demo's own, in temporary directories, on loopback.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDockerDaemon, startRegistry } from '@hoist/test-registry';

const hoist = fileURLToPath(new URL('../../packages/cli/bin/hoist.cjs', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'hoist-demo-'));
const [registry, daemon] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startDockerDaemon()]);
const [user, password] = Object.entries(registry.users)[0];
try {
  const context = join(scratch, 'context');
  await mkdir(context);
  await copyFile('/bin/busybox', join(context, 'busybox'));
  await writeFile(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && echo hello from an image hoist pushed > /hello"]\nCMD ["/bin/cat", "/hello"]\n',
  );
  console.log(`docker daemon: ${daemon.host}`);
  console.log(`registry:      ${registry.url} (docker-registry, htpasswd user "${user}")\n`);
  console.log('$ docker build -t demo/hello:1.0 .');
  await daemon.docker(['build', '-q', '-t', 'demo/hello:1.0', context]);

  const destination = `${registry.host}/demo/hello:1.0`;
  console.log(`$ hoist push docker-daemon:demo/hello:1.0 ${destination} -t latest -u ${user} --password-stdin\n`);
  const run = spawnSync(process.execPath, [hoist, 'push', 'docker-daemon:demo/hello:1.0', destination, '-t', 'latest', '-u', user, '--password-stdin'], {
    input: `${password}\n`,
    stdio: ['pipe', 'inherit', 'inherit'],
    env: { ...process.env, DOCKER_HOST: daemon.host },
  });
  // exitCode, not exit(): the daemon, the registry and the scratch directory still have to go.
  if (run.status !== 0) {
    process.exitCode = run.status ?? 1;
  } else {
    console.log(`\n$ docker rmi demo/hello:1.0 && docker pull ${destination} && docker run --rm --network none ${destination}`);
    await daemon.docker(['rmi', 'demo/hello:1.0']);
    await daemon.docker(['login', '-u', user, '--password-stdin', registry.host], { input: `${password}\n` });
    await daemon.docker(['pull', '-q', destination]);
    process.stdout.write(await daemon.docker(['run', '--rm', '--network', 'none', destination]));

    // The password goes to skopeo in an auth file, never in its argv or on the screen.
    const authFile = join(scratch, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }), { mode: 0o600 });
    const check = ['skopeo', 'inspect', '--tls-verify=false', '--authfile', authFile, `docker://${destination}`];
    console.log(`\n$ ${check.join(' ')}`);
    const inspected = spawnSync(check[0], check.slice(1), { encoding: 'utf8' });
    if (inspected.status !== 0) process.exitCode = 1;
    console.log(inspected.status === 0 ? `skopeo sees: ${JSON.parse(inspected.stdout).Digest}` : `skopeo failed: ${inspected.stderr}`);
  }
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await Promise.all([registry.stop(), daemon.stop()]);
  await rm(scratch, { recursive: true, force: true });
}
