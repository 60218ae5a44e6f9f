import { measure } from './measure.js';
import { buildRealImage, REAL_IMAGE_TAG } from './real-image.js';
import type { Inputs, Scenario } from './scenarios.js';

const DOCKER_CLI = '/usr/bin/docker';

/**
 * `hoist push docker-daemon:` against `docker push` of the same image from the same daemon, each
 * run to a fresh registry. docker push does its work inside dockerd, so its client CPU says
 * nothing: compare wall time.
 */
export const daemonScenario: Scenario = {
  name: 'daemon',
  what: 'docker build of ~200 MiB of real files in 4 layers: hoist push docker-daemon: vs docker push (wall; docker works inside dockerd)',
  async prepare(dir): Promise<Inputs> {
    const daemon = await buildRealImage(dir);
    const env = { DOCKER_HOST: daemon.host };
    return {
      hoistSource: `docker-daemon:${REAL_IMAGE_TAG}`,
      skopeoSource: '',
      env,
      peer: {
        name: 'docker push',
        async push(destinations) {
          const [destination] = destinations;
          await daemon.docker(['tag', REAL_IMAGE_TAG, destination!]);
          return measure(DOCKER_CLI, ['push', '-q', destination!], { env });
        },
      },
      // Any reader of the daemon waits this long for the bytes: dockerd stages the whole export first.
      floor: { name: 'export floor (curl of GET /images/get)', measure: () => measure('curl', ['-s', '-f', '--unix-socket', daemon.socket, '-o', '/dev/null', 'http://docker/images/bench%2Fapp:1/get']) },
      close: () => daemon.stop(),
    };
  },
};
