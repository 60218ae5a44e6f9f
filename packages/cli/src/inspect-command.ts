import type { ImageInspection } from '@hoist/core';
import { parseRegistryRef, SOURCE_PREFIXES } from './destination-refs.js';
import { formatBytes, linesOf, type Lines } from './format.js';
import type { CommandContext } from './push-command.js';
import { UsageError } from './usage-error.js';
import { parseVerbArgs, VERB_OPTIONS_USAGE } from './verb-args.js';
import { digestOf, runVerb } from './verb-run.js';

export const INSPECT_USAGE = `Usage: hoist inspect [options] <image>
       hoist digest [options] <image>

inspect: an image's digest, media type, platforms, size, and (for a single image) when it was
made and what a container runs with. Every manifest is fetched and checked; no layer is read.
digest: only the digest <image> names now (one HEAD), for scripts.

  <image>         REGISTRY/REPOSITORY:TAG or @DIGEST; or any source hoist push takes
                  (oci:PATH[:REF], docker-archive:FILE, docker-daemon:NAME, docker://REF)

Options:
      --raw               inspect: the manifest's bytes exactly as stored (they hash to the digest)
${VERB_OPTIONS_USAGE}

Exit status: 0 found, 1 the registry refused or has no such image, 2 usage or input error.
`;

export async function inspectCommand(argv: readonly string[], context: CommandContext, verb: 'inspect' | 'digest'): Promise<number> {
  const { push, values, positionals } = parseVerbArgs(argv, context.env, { raw: { type: 'boolean' } });
  if (push.help) {
    context.output.out(INSPECT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`${verb} takes one image, not ${positionals.length}`);
  if (values.raw && (verb === 'digest' || push.json)) throw new UsageError(verb === 'digest' ? '--raw is inspect\'s' : '--raw prints the manifest itself: leave out --json');
  const spec = positionals[0]!;
  const isSource = SOURCE_PREFIXES.some((p) => spec.startsWith(p));
  if (isSource && verb === 'digest') throw new UsageError(`digest looks up a registry reference; for ${spec}, use hoist inspect`);
  const { output } = context;
  const lines = linesOf(output);
  return runVerb(
    push,
    context,
    (core) => (isSource ? undefined : parseRegistryRef(spec, core.parseReference, 'image')),
    async (tools, reference) => {
      const { core, shared, pool, signal } = tools;
      if (reference && verb === 'digest') {
        const digest = await digestOf(tools, reference, spec);
        if (push.json) lines.json({ type: 'digest', image: spec, digest });
        else lines.out(digest);
        return;
      }
      await using source = await core.openSource(reference ? `docker://${spec}` : spec, { adapters: shared.adapters, pool }, { env: context.env, signal });
      // The bytes as stored, as asked: they hash to the digest, so nothing is escaped.
      if (values.raw) return output.outBytes(await source.readManifest(source.root));
      const inspection = await core.inspectImage(source);
      if (push.json) lines.json({ type: 'inspect', image: spec, ...inspection });
      else printInspection(lines, spec, inspection);
    },
  );
}

function printInspection(output: Lines, image: string, i: ImageInspection): void {
  const row = (name: string, value: string) => output.out(`  ${name.padEnd(11)} ${value}`);
  output.out(image);
  row('digest', i.digest);
  row('media type', i.mediaType);
  row('size', `${formatBytes(i.size)} (configs and layers as stored)`);
  const width = Math.max(...i.platforms.map((p) => p.platform.length));
  i.platforms.forEach((p, n) => row(n === 0 ? (i.platforms.length > 1 ? 'platforms' : 'platform') : '', i.platforms.length > 1 ? `${p.platform.padEnd(width)}  ${p.digest}  ${formatBytes(p.size)}` : p.platform));
  if (i.created !== undefined) row('created', i.created);
  const c = i.config;
  if (c?.Entrypoint) row('entrypoint', JSON.stringify(c.Entrypoint));
  if (c?.Cmd) row('cmd', JSON.stringify(c.Cmd));
  if (c?.WorkingDir) row('workdir', c.WorkingDir);
  if (c?.User) row('user', c.User);
  // Names only: an image's environment may hold what should not land in a build log.
  if (c?.Env?.length) row('env', c.Env.map((e) => e.split('=')[0]).join(', '));
  if (c?.ExposedPorts) row('ports', Object.keys(c.ExposedPorts).join(', '));
  for (const [key, value] of Object.entries({ ...c?.Labels, ...i.annotations })) row(key in (i.annotations ?? {}) ? 'annotation' : 'label', `${key}=${value}`);
}
