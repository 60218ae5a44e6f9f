import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LayoutWriter, type Descriptor } from '@hoist/test-images';
import { startRegistry } from '@hoist/test-registry';
import { writeRandomLayer } from './fixtures.js';
import { HOIST } from './hoist-command.js';
import { measure } from './measure.js';
import type { Scenario } from './scenarios.js';

const TAGS = 50;

/**
 * Issue 17's mirror: a repository of 50 small images (a 256 KiB base they share and 64 KiB of
 * their own each), in a source registry that stays up for the whole scenario, mirrored into a
 * fresh registry per run: `hoist sync` against `skopeo sync`, both copying every tag.
 */
export const syncScenario: Scenario = {
  name: 'sync',
  what: `a repository of ${TAGS} small images mirrored: hoist sync vs skopeo sync`,
  async prepare(dir) {
    const source = await startRegistry();
    const writer = await LayoutWriter.create(dir);
    const base = await writeRandomLayer(writer, 256 * 1024);
    const entries: { descriptor: Descriptor; ref: string }[] = [];
    for (let i = 0; i < TAGS; i++) entries.push({ descriptor: (await writer.writeImage([base, await writeRandomLayer(writer, 64 * 1024)])).manifest, ref: `1.0.${i}` });
    await writer.writeIndexJson(entries);
    const plan = join(dir, 'upstream.json');
    await writeFile(plan, JSON.stringify({ images: entries.map((e) => ({ source: `oci:${dir}:${e.ref}`, destinations: [`${source.host}/upstream/app:${e.ref}`] })) }));
    await measure(process.execPath, [HOIST, 'push', '--plan', plan, '-q', '--no-cache']);
    const registryOf = (destinations: string[]) => destinations[0]!.split('/')[0]!;
    return {
      hoistSource: '',
      skopeoSource: '',
      hoist: (destinations) => measure(process.execPath, [HOIST, 'sync', `${source.host}/upstream/app`, `${registryOf(destinations)}/mirror`, '-q', '--no-cache']),
      peer: {
        name: 'skopeo sync',
        push: (destinations) =>
          measure('skopeo', ['sync', '--src', 'docker', '--dest', 'docker', '--src-tls-verify=false', '--dest-tls-verify=false', `${source.host}/upstream/app`, `${registryOf(destinations)}/mirror`]),
      },
      close: () => source.stop(),
    };
  },
};
