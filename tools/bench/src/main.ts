import { cpus, totalmem } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { medianCost, type Cost } from './measure.js';
import { curlFloor, curlFloorAll, hoistPush, SCENARIOS, skopeoPush, withRegistries, type Inputs, type Scenario } from './scenarios.js';

/**
 * `npm run bench [-- scenario...] [-- --runs N] [-- --save]`: hoist and skopeo alternate on the
 * same inputs, each run against fresh registries; medians are reported as ratios hoist/skopeo for
 * wall time and client CPU, with hoist's peak RSS. `--save` keeps the output in docs/bench/.
 */
interface Row {
  scenario: Scenario;
  hoist: Cost;
  /** skopeo, or the scenario's own peer (docker push). */
  peer: string;
  skopeo: Cost;
  extra: string;
}

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const wanted = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const scenarios = SCENARIOS.filter((s) => wanted.length === 0 || wanted.includes(s.name));
const lines: string[] = [];
const say = (line: string): void => {
  console.log(line);
  lines.push(line);
};

say(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${execFileSync('skopeo', ['--version'], { encoding: 'utf8' }).trim()}; ${runs} runs, medians`);
const rows: Row[] = [];
for (const scenario of scenarios) {
  const dir = await mkdtemp(join(tmpdir(), `hoist-bench-${scenario.name}-`));
  try {
    const inputs = await scenario.prepare(dir);
    try {
      // The inputs just written (512 MiB for big) would otherwise be flushed to disk during the
      // first runs, and slow whichever tool ran then.
      execFileSync('sync');
      rows.push(await runScenario(scenario, inputs));
    } finally {
      await inputs.close?.();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
say('');
say('summary (hoist / skopeo, or the peer named, lower is better):');
for (const row of rows) {
  const cpu = row.peer === 'skopeo' ? `  cpu ${ratio(row.hoist.cpu, row.skopeo.cpu)}` : '';
  say(`  ${row.scenario.name.padEnd(8)} wall ${ratio(row.hoist.wall, row.skopeo.wall)}${cpu}  ${row.peer === 'skopeo' ? '' : `vs ${row.peer}; `}${row.extra}`);
}
if (args.includes('--save')) {
  const file = fileURLToPath(new URL('../../../docs/bench/latest.md', import.meta.url));
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, `# npm run bench\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`);
  console.log(`saved to ${file}`);
}

async function runScenario(scenario: Scenario, inputs: Inputs): Promise<Row> {
  const hoist: Cost[] = [];
  const skopeo: Cost[] = [];
  const floor: Cost[] = [];
  const single: Cost[] = [];
  const singleFloor: Cost[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither always gets the warmer page cache.
    const order = i % 2 === 0 ? ['hoist', 'skopeo'] : ['skopeo', 'hoist'];
    for (const tool of order) {
      await withRegistries(scenario.destinations ?? 1, async (registries) => {
        const destinations = registries.map((r) => `${r.host}/bench/app:measured`);
        if (scenario.prepush) await hoistPush(inputs, registries.map((r) => `${r.host}/bench/app:first`));
        await inputs.beforeRun?.(registries);
        const mark = (await registries[0]!.accessLog()).length;
        if (tool === 'hoist') {
          hoist.push(await hoistPush(inputs, destinations));
          requests = (await registries[0]!.accessLog()).length - mark;
        } else {
          skopeo.push(await skopeoPush(inputs, destinations));
        }
      });
    }
    if (inputs.blobs) floor.push(await withRegistries(scenario.destinations ?? 1, (r) => curlFloorAll(r, inputs.blobs!)));
    if (inputs.floor) floor.push(await inputs.floor.measure());
    if (scenario.destinations) {
      single.push(await withRegistries(1, (r) => hoistPush(inputs, [`${r[0]!.host}/bench/app:single`])));
      if (inputs.blobs) singleFloor.push(await withRegistries(1, (r) => curlFloor(r[0]!, inputs.blobs!)));
    }
  }
  const h = medianCost(hoist);
  const s = medianCost(skopeo);
  let extra = `hoist peak RSS ${h.rssMiB.toFixed(0)} MiB`;
  if (floor.length > 0) extra += `; ${inputs.floor?.name ?? 'curl floor'} ${medianCost(floor).wall.toFixed(2)} s, hoist/floor ${ratio(h.wall, medianCost(floor).wall)}`;
  if (single.length > 0) extra += `; vs one destination ${ratio(h.wall, medianCost(single).wall)}`;
  // What the machine allows: the same curl uploads to all the registries at once, against one.
  if (singleFloor.length > 0) extra += ` (curl: ${ratio(medianCost(floor).wall, medianCost(singleFloor).wall)})`;
  if (scenario.prepush) extra += `; ${requests} requests for the new tag`;
  const peer = inputs.peer?.name ?? 'skopeo';
  say(`${scenario.name}: ${scenario.what}`);
  say(`  hoist ${h.wall.toFixed(2)} s (cpu ${h.cpu.toFixed(2)} s), ${peer} ${s.wall.toFixed(2)} s (cpu ${s.cpu.toFixed(2)} s): wall ${ratio(h.wall, s.wall)}, cpu ${ratio(h.cpu, s.cpu)}; ${extra}`);
  return { scenario, hoist: h, peer, skopeo: s, extra };
}

function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;
}
