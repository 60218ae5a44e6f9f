import { parseRegistryRef } from './destination-refs.js';
import type { CommandContext } from './push-command.js';
import { keyValues } from './push-args.js';
import { droppedLine, linesOf } from './format.js';
import { UsageError } from './usage-error.js';
import { parseVerbArgs, VERB_OPTIONS_USAGE } from './verb-args.js';
import { digestOf, runVerb } from './verb-run.js';

export const ATTACH_USAGE = `Usage: hoist attach --artifact-type TYPE [--file PATH[:MEDIATYPE]]... [--annotation K=V]... <subject>
       hoist referrers [--artifact-type TYPE] <image>

attach: pushes an artifact that refers to <subject> (an SBOM, a provenance statement) into the
subject's repository: an OCI 1.1 image manifest with that artifactType, the empty config, the
files as its layers, and <subject> as its subject. A registry with the referrers API lists it
by itself; for others hoist adds it to the subject's fallback tag (sha256-<hex>). Prints the
artifact as REGISTRY/REPOSITORY@DIGEST.
referrers: what refers to <image>, from the referrers API or the fallback tag: one line each,
digest, artifact type and size.

Options:
      --artifact-type TYPE    the artifact's type (application/spdx+json, say); attach needs one
      --file PATH[:MEDIATYPE] a file the artifact carries (repeatable; application/octet-stream
                              unless a media type follows the last colon)
      --annotation K=V        an annotation on the artifact manifest (repeatable)
${VERB_OPTIONS_USAGE}

Exit status: 0 done, 1 the registry refused or has no such image, 2 usage or input error.
`;

const ATTACH_OPTIONS = {
  'artifact-type': { type: 'string' },
  file: { type: 'string', multiple: true },
  annotation: { type: 'string', multiple: true },
} as const;

export async function attachCommand(argv: readonly string[], context: CommandContext, verb: 'attach' | 'referrers'): Promise<number> {
  const { push, values, positionals } = parseVerbArgs(argv, context.env, ATTACH_OPTIONS);
  if (push.help) {
    context.output.out(ATTACH_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`${verb} takes one image, not ${positionals.length}`);
  const artifactType = values['artifact-type'];
  if (verb === 'attach' && artifactType === undefined) throw new UsageError('attach needs --artifact-type (application/spdx+json, say)');
  if (verb === 'referrers' && (values.file !== undefined || values.annotation !== undefined)) throw new UsageError('--file and --annotation are attach\'s');
  const files = (values.file ?? []).map(fileOf);
  const annotations = keyValues('--annotation', values.annotation ?? []);
  const text = positionals[0]!;
  const lines = linesOf(context.output);
  return runVerb(
    push,
    context,
    (core) => parseRegistryRef(text, core.parseReference, 'image'),
    async (tools, at) => {
      const { core, shared, pool, signal } = tools;
      if (verb === 'attach') {
        const attached = await core.attachArtifact({ ...shared, pool, signal, subject: at, artifactType: artifactType!, files, annotations });
        const reference = `${at.registry}/${at.repository}@${attached.digest}`;
        if (push.json) lines.json({ type: 'attached', subject: attached.subject, artifact: reference, artifactType, listedBy: attached.listedBy });
        else lines.out(reference);
        return;
      }
      const digest = await digestOf(tools, at, text);
      const { referrers, from, dropped } = await core.listReferrers(pool, at, digest, artifactType);
      if (dropped.length > 0) lines.err(droppedLine(`${text}: referrers`, 'entries that are not valid descriptors', dropped));
      if (push.json) lines.json({ type: 'referrers', subject: digest, from, referrers, ...(dropped.length > 0 ? { dropped } : {}) });
      else for (const r of referrers) lines.out(`${r.digest}  ${r.artifactType ?? r.mediaType}  ${r.size}`);
    },
  );
}

/** `PATH[:MEDIATYPE]`: what follows the last colon is a media type when it holds a slash. */
function fileOf(text: string): { path: string; mediaType: string } {
  const colon = text.lastIndexOf(':');
  const type = colon > 0 ? text.slice(colon + 1) : '';
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? { path: text.slice(0, colon), mediaType: type } : { path: text, mediaType: 'application/octet-stream' };
}
