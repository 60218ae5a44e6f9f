import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LayoutWriter, type Descriptor } from '@hoist/test-images';
import { startRegistry } from '@hoist/test-registry';
import { writeRandomLayer } from './fixtures.js';
import { HOIST } from './hoist-command.js';
import { measure } from './measure.js';
import type { Scenario } from './scenarios.js';

const MiB = 1024 * 1024;
const IMAGES = 20;
/** skopeo copies one image per run; a pipeline runs a few at once. */
const SKOPEO_AT_ONCE = 4;

/**
 * Issue 17's plan: 20 images of 5 layers, 3 of them a base all share (8 MiB each) and 2 their
 * own (1 MiB each), in one OCI layout. hoist pushes them with one `push --plan`; skopeo copies
 * them one image per run, 4 runs at once (xargs -P 4), as a pipeline would without plans.
 */
export const planScenario: Scenario = {
  name: 'plan',
  what: `${IMAGES} images of 5 layers sharing 3 base layers: one hoist push --plan vs ${IMAGES} skopeo copy, ${SKOPEO_AT_ONCE} at a time`,
  async prepare(dir) {
    const writer = await LayoutWriter.create(dir);
    const base = [];
    for (let i = 0; i < 3; i++) base.push(await writeRandomLayer(writer, 8 * MiB));
    const entries: { descriptor: Descriptor; ref: string }[] = [];
    const unique: Descriptor[] = base.map((b) => b.layer);
    for (let i = 0; i < IMAGES; i++) {
      const own = [await writeRandomLayer(writer, MiB), await writeRandomLayer(writer, MiB)];
      const image = await writer.writeImage([...base, ...own]);
      entries.push({ descriptor: image.manifest, ref: `app${i}` });
      unique.push(...own.map((o) => o.layer), image.config);
    }
    await writer.writeIndexJson(entries);
    // Each image to its own repository of each registry pushed to.
    const pairs = (destinations: string[]) =>
      entries.flatMap((_, i) => destinations.map((d) => [`oci:${dir}:app${i}`, `${d.split('/')[0]}/bench/app${i}:measured`] as const));
    return {
      hoistSource: '',
      skopeoSource: '',
      async hoist(destinations) {
        const plan = join(dir, 'plan.json');
        await writeFile(plan, JSON.stringify({ images: pairs(destinations).map(([source, destination]) => ({ source, destinations: [destination] })) }));
        return measure(process.execPath, [HOIST, 'push', '--plan', plan, '-q', '--no-cache']);
      },
      floor: {
        name: `curl floor (the ${unique.length} distinct blobs, ${SKOPEO_AT_ONCE} at a time)`,
        measure: () => parallelCurlFloor(unique.map((d) => [writer.blobPath(d.digest), d.digest])),
      },
      peer: {
        name: `skopeo copy x${IMAGES}, ${SKOPEO_AT_ONCE} at a time`,
        push: (destinations) =>
          measure('sh', [
            '-c',
            `printf '%s\\n' "$@" | xargs -P ${SKOPEO_AT_ONCE} -n 2 sh -c 'skopeo copy --quiet --dest-tls-verify=false "$0" "docker://$1"'`,
            'sh',
            ...pairs(destinations).flat(),
          ]),
      },
    };
  },
};

/** Each distinct blob sent once with curl (a POST, then a streamed PUT), several at a time, to a fresh registry. */
async function parallelCurlFloor(blobs: (readonly [path: string, digest: string])[]) {
  const registry = await startRegistry();
  const upload = `loc=$(curl -s -D - -o /dev/null -X POST "$REG/v2/floor/app/blobs/uploads/" | tr -d '\\r' | sed -n 's/^[Ll]ocation: //p')
case "$loc" in http*) ;; *) loc="$REG$loc" ;; esac
case "$loc" in *\\?*) sep='&' ;; *) sep='?' ;; esac
curl -s -f -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' -T "$0" "$loc\${sep}digest=$1"`;
  try {
    return await measure('sh', ['-c', `printf '%s\\n' "$@" | xargs -P ${SKOPEO_AT_ONCE} -n 2 sh -c '${upload.replaceAll("'", "'\\''")}'`, 'sh', ...blobs.flat()], { env: { REG: registry.url } });
  } finally {
    await registry.stop();
  }
}
