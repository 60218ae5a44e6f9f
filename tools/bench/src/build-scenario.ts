import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_GZIP_LEVEL } from '@hoist/core';
import { startDockerDaemon } from '@hoist/test-registry';
import { measure, sequentialCost } from './measure.js';
import { copyRealFiles, realFiles } from './real-files.js';
import type { Inputs, Scenario } from './scenarios.js';
import { HOIST } from './hoist-command.js';

const run = promisify(execFile);
const DOCKER_CLI = '/usr/bin/docker';
const MiB = 1024 * 1024;

/**
 * `hoist build` of a 50 MiB application directory onto a ~100 MiB base already in the registry,
 * against what it replaces: `docker build` (a Dockerfile with the same COPY, no build cache, the
 * base already in the daemon) followed by `docker push`. Real files, so compression does real work.
 */
export const buildScenario: Scenario = {
  name: 'build',
  what: '50 MiB app of real files onto a ~100 MiB base in the registry: hoist build vs docker build + docker push (wall)',
  async prepare(dir): Promise<Inputs> {
    const files = realFiles();
    await copyRealFiles(join(dir, 'base', 'a'), 50 * MiB, files);
    await copyRealFiles(join(dir, 'base', 'b'), 50 * MiB, files);
    const context = join(dir, 'context');
    await copyRealFiles(join(context, 'app'), 50 * MiB, files);
    const baseLayout = `oci:${join(dir, 'base-layout')}:1`;
    await run(process.execPath, [HOIST, 'build', '-q', '--from', 'scratch', '--add', `${join(dir, 'base', 'a')}:/opt/a`, '--add', `${join(dir, 'base', 'b')}:/opt/b`, baseLayout]);
    const daemon = await startDockerDaemon();
    const env = { DOCKER_HOST: daemon.host };
    await run(process.execPath, [HOIST, 'push', '-q', baseLayout, 'docker-daemon:bench/base:1'], { env: { ...process.env, ...env } });
    const hostOf = (destination: string) => destination.split('/')[0]!;
    return {
      hoistSource: '',
      skopeoSource: '',
      env,
      // Both start from the base in the registry (and, for docker, in the daemon under that name).
      async beforeRun(registries) {
        for (const registry of registries) {
          await run(process.execPath, [HOIST, 'push', '-q', baseLayout, `${registry.host}/bench/base:1`]);
          await daemon.docker(['tag', 'bench/base:1', `${registry.host}/bench/base:1`]);
        }
      },
      hoist: (destinations) => measure(process.execPath, [HOIST, 'build', '-q', '--no-cache', '--from', `${hostOf(destinations[0]!)}/bench/base:1`, '--add', `${join(context, 'app')}:/app`, ...destinations]),
      peer: {
        name: 'docker build + push',
        async push(destinations) {
          const [destination] = destinations;
          await writeFile(join(context, 'Dockerfile'), `FROM ${hostOf(destination!)}/bench/base:1\nCOPY app /app\n`);
          const built = await measure(DOCKER_CLI, ['build', '-q', '--no-cache', '-t', destination!, context], { env });
          const pushed = await measure(DOCKER_CLI, ['push', '-q', destination!], { env });
          return sequentialCost([built, pushed]);
        },
      },
      // What compressing the app alone costs with the usual tools, on one core, at hoist's level.
      floor: { name: `tar | gzip -${DEFAULT_GZIP_LEVEL} of the app`, measure: () => measure('sh', ['-c', `tar cf - -C ${JSON.stringify(context)} app | gzip -${DEFAULT_GZIP_LEVEL} > /dev/null`]) },
      close: () => daemon.stop(),
    };
  },
};

