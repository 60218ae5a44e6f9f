import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDockerDaemon } from '@hoist/test-registry';
import { measure } from './measure.js';
import { copyRealFiles, realFiles } from './real-files.js';
import type { Inputs, Scenario } from './scenarios.js';

const MiB = 1024 * 1024;
const LAYERS = 4;
const LAYER_BUDGET = 50 * MiB;
const DOCKER_CLI = '/usr/bin/docker';

/**
 * `hoist push docker-daemon:` against `docker push` of the same image from the same daemon, each
 * run to a fresh registry. The image is about 200 MiB in 4 layers of copies of installed files.
 * docker push does its work inside dockerd, so its client CPU says nothing: compare wall time.
 */
export const daemonScenario: Scenario = {
  name: 'daemon',
  what: 'docker build of ~200 MiB of real files in 4 layers: hoist push docker-daemon: vs docker push (wall; docker works inside dockerd)',
  async prepare(dir): Promise<Inputs> {
    const context = join(dir, 'context');
    const files = realFiles();
    const dockerfile = ['FROM scratch'];
    for (let i = 0; i < LAYERS; i++) {
      await copyRealFiles(join(context, `layer${i}`), LAYER_BUDGET, files);
      dockerfile.push(`COPY layer${i} /layer${i}`);
    }
    await writeFile(join(context, 'Dockerfile'), `${dockerfile.join('\n')}\n`);
    const daemon = await startDockerDaemon();
    await daemon.docker(['build', '-q', '-t', 'bench/app:1', context]);
    const env = { DOCKER_HOST: daemon.host };
    return {
      hoistSource: 'docker-daemon:bench/app:1',
      skopeoSource: '',
      env,
      peer: {
        name: 'docker push',
        async push(destinations) {
          const [destination] = destinations;
          await daemon.docker(['tag', 'bench/app:1', destination!]);
          return measure(DOCKER_CLI, ['push', '-q', destination!], { env });
        },
      },
      // Any reader of the daemon waits this long for the bytes: dockerd stages the whole export first.
      floor: { name: 'export floor (curl of GET /images/get)', measure: () => measure('curl', ['-s', '-f', '--unix-socket', daemon.socket, '-o', '/dev/null', 'http://docker/images/bench%2Fapp:1/get']) },
      close: () => daemon.stop(),
    };
  },
};
