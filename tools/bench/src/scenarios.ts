import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_GZIP_LEVEL } from '@hoist/core';
import { LayoutWriter, type Descriptor } from '@hoist/test-images';
import { startRegistry, type TestRegistry } from '@hoist/test-registry';
import { buildScenario } from './build-scenario.js';
import { daemonScenario } from './daemon-scenario.js';
import { planScenario } from './plan-scenario.js';
import { syncScenario } from './sync-scenario.js';
import { saveRealImage } from './real-image.js';
import { writeRandomLayer } from './fixtures.js';
import { concurrentCost, measure, sequentialCost, type Cost } from './measure.js';
import { HOIST } from './hoist-command.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/**
 * The push shapes of issue 7, each run by hoist and by skopeo (Debian's, the peer a user here
 * would pick) against a fresh registry per run. `source` is what both tools read.
 */
export interface Inputs {
  /** hoist's source argument and skopeo's source transport for the same image. */
  hoistSource: string;
  skopeoSource: string;
  /** Extra skopeo flags (--all for an index). */
  skopeoFlags?: string[];
  /** For the curl floor: the blobs of the image, in the layout. */
  blobs?: { path: string; digest: string }[];
  /** Environment both tools run with (DOCKER_HOST for the daemon scenario). */
  env?: Record<string, string>;
  /** A floor of its own, when the curl uploads of `blobs` are not the one (the daemon's export). */
  floor?: { name: string; measure(): Promise<Cost> };
  /** The tool hoist is measured against, when it is not skopeo. */
  peer?: { name: string; push(destinations: string[]): Promise<Cost> };
  /** Runs before each measured run of either tool, unmeasured (the build scenario's base). */
  beforeRun?(registries: TestRegistry[]): Promise<void>;
  /** hoist's command, when it is not a push of `hoistSource` (the build scenario). */
  hoist?(destinations: string[]): Promise<Cost>;
  /** Releases what prepare started (a Docker daemon). */
  close?(): Promise<void>;
}

export interface Scenario {
  name: string;
  what: string;
  prepare(dir: string): Promise<Inputs>;
  /** Registries a run pushes to (fanout: three). */
  destinations?: number;
  /** Pushes the image once before the measured run (repush). */
  prepush?: boolean;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'big',
    what: 'one 512 MiB incompressible layer (OCI layout)',
    async prepare(dir) {
      const writer = await LayoutWriter.create(dir);
      const big = await writeRandomLayer(writer, 512 * MiB);
      const image = await writer.writeImage([big]);
      await writer.writeIndexJson([{ descriptor: image.manifest, ref: 'bench' }]);
      return { hoistSource: `oci:${dir}:bench`, skopeoSource: `oci:${dir}:bench`, blobs: blobFiles(writer, [image.config, big.layer]) };
    },
  },
  {
    name: 'many',
    what: '100 layers of 64 KiB',
    async prepare(dir) {
      const writer = await LayoutWriter.create(dir);
      await layoutWithWriter(writer, Array.from({ length: 100 }, () => () => writeRandomLayer(writer, 64 * 1024)));
      return { hoistSource: `oci:${dir}:bench`, skopeoSource: `oci:${dir}:bench` };
    },
  },
  {
    name: 'index',
    what: '4 platforms sharing a 32 MiB base layer, 8 MiB of their own each',
    async prepare(dir) {
      const writer = await LayoutWriter.create(dir);
      const base = await writeRandomLayer(writer, 32 * MiB);
      const manifests = [];
      const blobs: Descriptor[] = [base.layer];
      for (const architecture of ['amd64', 'arm64', 'ppc64le', 's390x']) {
        const own = await writeRandomLayer(writer, 8 * MiB);
        const image = await writer.writeImage([base, own], { os: 'linux', architecture });
        manifests.push(image.manifest);
        blobs.push(own.layer, image.config);
      }
      await writer.writeIndexJson([{ descriptor: await writer.writeIndex(manifests), ref: 'bench' }]);
      return {
        hoistSource: `oci:${dir}:bench`,
        skopeoSource: `oci:${dir}:bench`,
        skopeoFlags: ['--all'],
        blobs: blobFiles(writer, blobs),
      };
    },
  },
  {
    name: 'repush',
    what: 'an image already in the registry (4 x 16 MiB), pushed under a new tag',
    prepush: true,
    async prepare(dir) {
      const writer = await LayoutWriter.create(dir);
      await layoutWithWriter(writer, Array.from({ length: 4 }, () => () => writeRandomLayer(writer, 16 * MiB)));
      return { hoistSource: `oci:${dir}:bench`, skopeoSource: `oci:${dir}:bench`, floor: NODE_FLOOR };
    },
  },
  {
    name: 'archive',
    what: 'docker save of ~200 MiB of real files in 4 layers (compressed on the way)',
    async prepare(dir) {
      const archive = await saveRealImage(dir);
      const unpacked = join(dir, 'unpacked');
      await mkdir(unpacked);
      await run('tar', ['-xf', archive, '-C', unpacked]);
      const layers = (await readdir(unpacked, { recursive: true })).filter((f) => f.endsWith('layer.tar')).map((f) => join(unpacked, f));
      // skopeo gzips uncompressed layers for a registry destination by itself, as hoist does.
      return { hoistSource: archive, skopeoSource: `docker-archive:${archive}`, floor: gzipFloor(layers) };
    },
  },
  {
    name: 'fanout',
    what: 'one 2 x 48 MiB image to 3 registries: one hoist run vs 3 skopeo runs',
    destinations: 3,
    async prepare(dir) {
      const writer = await LayoutWriter.create(dir);
      const image = await layoutWithWriter(writer, [() => writeRandomLayer(writer, 48 * MiB), () => writeRandomLayer(writer, 48 * MiB)]);
      return { hoistSource: `oci:${dir}:bench`, skopeoSource: `oci:${dir}:bench`, blobs: blobFiles(writer, [image.config, ...image.layers]) };
    },
  },
  {
    name: 'version',
    what: '`hoist --version` against `skopeo --version`: start-up alone',
    async prepare() {
      return {
        hoistSource: '',
        skopeoSource: '',
        hoist: () => measure(process.execPath, [HOIST, '--version']),
        peer: { name: 'skopeo --version', push: () => measure('skopeo', ['--version']) },
        floor: NODE_FLOOR,
      };
    },
  },
  daemonScenario,
  buildScenario,
  planScenario,
  syncScenario,
];

/** Node.js starting and doing nothing: no command written in it can start faster. */
const NODE_FLOOR = { name: 'node -e 0 floor', measure: () => measure(process.execPath, ['-e', '0']) };

/** The same deflate work done by the usual tool: gzip at hoist's default level, one per core, all at once. */
function gzipFloor(layers: readonly string[]): NonNullable<Inputs['floor']> {
  const script = `printf '%s\\n' "$@" | xargs -P ${availableParallelism()} -I {} sh -c 'gzip -${DEFAULT_GZIP_LEVEL} -c "{}" > /dev/null'`;
  return { name: `gzip -${DEFAULT_GZIP_LEVEL} floor (a gzip per core)`, measure: () => measure('sh', ['-c', script, 'sh', ...layers]) };
}

/** The files of these blobs in the layout, for the curl floor. */
function blobFiles(writer: LayoutWriter, blobs: readonly Descriptor[]): { path: string; digest: string }[] {
  return blobs.map((d) => ({ path: writer.blobPath(d.digest), digest: d.digest }));
}

async function layoutWithWriter(writer: LayoutWriter, layers: (() => Promise<{ layer: Descriptor; diffId: string }>)[]): Promise<{ config: Descriptor; layers: Descriptor[] }> {
  const written = [];
  for (const make of layers) written.push(await make());
  const image = await writer.writeImage(written);
  await writer.writeIndexJson([{ descriptor: image.manifest, ref: 'bench' }]);
  return { config: image.config, layers: written.map((w) => w.layer) };
}

export async function withRegistries<T>(count: number, use: (registries: TestRegistry[]) => Promise<T>): Promise<T> {
  const registries = await Promise.all(Array.from({ length: count }, () => startRegistry()));
  try {
    return await use(registries);
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
  }
}

export function hoistPush(inputs: Inputs, destinations: string[]): Promise<Cost> {
  if (inputs.hoist) return inputs.hoist(destinations);
  return measure(process.execPath, [HOIST, 'push', inputs.hoistSource, ...destinations, '-q', '--no-cache'], inputs.env ? { env: inputs.env } : {});
}

/** skopeo copies one destination per run: a fanout is that many runs, summed. */
export async function skopeoPush(inputs: Inputs, destinations: string[]): Promise<Cost> {
  if (inputs.peer) return inputs.peer.push(destinations);
  const costs: Cost[] = [];
  for (const destination of destinations) {
    costs.push(await measure('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...(inputs.skopeoFlags ?? []), inputs.skopeoSource, `docker://${destination}`]));
  }
  return sequentialCost(costs);
}

/** The floor to several registries: one curl chain per registry, all at once; the slowest chain counts. */
export async function curlFloorAll(registries: TestRegistry[], blobs: { path: string; digest: string }[]): Promise<Cost> {
  const costs = await Promise.all(registries.map((r) => curlFloor(r, blobs)));
  return concurrentCost(costs);
}

/** The floor: the same blobs sent with curl, one POST and one streamed PUT each, one after another. */
export async function curlFloor(registry: TestRegistry, blobs: { path: string; digest: string }[]): Promise<Cost> {
  const costs: Cost[] = [];
  for (const blob of blobs) {
    const { stdout } = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', '-X', 'POST', `${registry.url}/v2/floor/app/blobs/uploads/`]);
    const location = /^location: (.+)$/im.exec(stdout)?.[1]?.trim();
    if (!location) throw new Error('the registry gave curl no upload Location');
    const url = new URL(location, registry.url);
    url.searchParams.append('digest', blob.digest);
    costs.push(await measure('curl', ['-s', '-f', '-o', '/dev/null', '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '-T', blob.path, url.href]));
  }
  return sequentialCost(costs);
}
