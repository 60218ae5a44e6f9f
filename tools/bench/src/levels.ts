import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, medianCost, type Cost } from './measure.js';
import { saveRealImage } from './real-image.js';
import { HOIST } from './hoist-command.js';

/**
 * `npm run bench:levels`: what each gzip level costs on real layers, next to skopeo's gzip. The
 * same `docker save` (~200 MiB of installed files in 4 layers) goes into an OCI layout, by hoist
 * at each level and by `skopeo copy --dest-compress`: no registry in the way, so the figures are
 * compression, reading and hashing alone. The default level rests on this table.
 */
const LEVELS = [1, 2, 3, 4, 5, 6, 9];
const RUNS = 3;
const MiB = 1024 * 1024;

const dir = await mkdtemp(join(tmpdir(), 'hoist-levels-'));
try {
  const archive = await saveRealImage(dir);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}); node ${process.version}; ${RUNS} runs, medians`);
  console.log(`input: docker save of ${((await readFile(archive)).length / MiB).toFixed(0)} MiB, 4 layers of real files`);
  const skopeo = await medianRun((out) => measure('skopeo', ['copy', '--quiet', '--dest-compress', `docker-archive:${archive}`, `oci:${out}:1`]));
  console.log(`skopeo --dest-compress: ${skopeo.size.toFixed(1)} MiB of layers, wall ${skopeo.cost.wall.toFixed(2)} s, cpu ${skopeo.cost.cpu.toFixed(2)} s`);
  for (const level of LEVELS) {
    const hoist = await medianRun((out) => measure(process.execPath, [HOIST, 'push', '-q', '--no-cache', '--compression-level', String(level), archive, `oci:${out}:1`]));
    const vs = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(`hoist gzip ${level}: ${hoist.size.toFixed(1)} MiB (${vs(hoist.size, skopeo.size)} skopeo's), wall ${hoist.cost.wall.toFixed(2)} s (${vs(hoist.cost.wall, skopeo.cost.wall)}), cpu ${hoist.cost.cpu.toFixed(2)} s (${vs(hoist.cost.cpu, skopeo.cost.cpu)})`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Medians of RUNS runs into a fresh layout each, and the size of the layers the last one wrote. */
async function medianRun(run: (out: string) => Promise<Cost>): Promise<{ cost: Cost; size: number }> {
  const costs: Cost[] = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const out = await mkdtemp(join(dir, 'out-'));
    costs.push(await run(out));
    size = await layerBytes(out);
    await rm(out, { recursive: true, force: true });
  }
  return { cost: medianCost(costs), size: size / MiB };
}

async function layerBytes(layout: string): Promise<number> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', ...index.manifests[0]!.digest.split(':')), 'utf8')) as { layers: { size: number }[] };
  return manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}
