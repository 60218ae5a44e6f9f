import type { DaemonDestination, ImageReference } from '@hoist/core';
import { UsageError } from './usage-error.js';
import { validTagOf } from './push-args.js';

/**
 * A registry reference as the CLI takes it: core's parser (Docker's rules), plus one refusal
 * Docker does not make. `hoist push img 127.0.0.1:5000` has forgotten the repository; Docker's
 * rules read it as Docker Hub's `library/127.0.0.1` with tag `5000`, and would offer Hub the
 * credentials meant for the local registry. A name with no slash whose first part has a dot or
 * is `localhost` names a registry, never a Hub repository anyone means.
 */
export function parseRegistryRef(text: string, parse: (text: string) => ImageReference, what: string): ImageReference {
  const name = text.split('@')[0]!;
  if (!name.includes('/')) {
    // What stands before a colon is the host (a port follows) or the repository (a tag follows).
    const host = name.startsWith('[') ? name : name.split(':')[0]!;
    if (host.includes('.') || host === 'localhost' || host.startsWith('[')) {
      throw new UsageError(`${what} "${text}" names a registry but no repository: add one, e.g. ${name}/team/app:1`);
    }
  }
  try {
    return parse(text);
  } catch (error) {
    const tag = slashedTag(name);
    if (tag === undefined) throw error;
    const instead = what === 'destination' ? `; for a branch name, --tag-env VAR makes a tag of it (${tag} becomes ${validTagOf(tag)})` : '';
    throw new UsageError(`${what} "${text}": the tag is the part after the last ":", and "${tag}" holds a "/", which no tag may${instead}`);
  }
}

/**
 * The tag of `name` when it holds a slash (`reg/backend:feature/login`): what follows the first
 * colon that is not a registry's port. Docker's grammar reads such a name as a repository path
 * (`backend:feature`) and says so, which sends people the wrong way.
 */
function slashedTag(name: string): string | undefined {
  // An IPv6 host's colons are no tag's.
  const hostEnd = name.startsWith('[') ? name.indexOf(']') + 1 : 0;
  for (let i = name.indexOf(':', hostEnd); i >= 0; i = name.indexOf(':', i + 1)) {
    const after = name.slice(i + 1);
    const isPort = !name.slice(0, i).includes('/') && /^\d+(\/|$)/.test(after);
    if (!isPort) return after.includes('/') ? after : undefined;
  }
  return undefined;
}

/**
 * `docker-daemon:NAME[:TAG]` as a destination: the tags the image gets in the daemon, NAME as
 * written (docker itself shortens `docker.io/library/`), the destination's tag and every `-t`;
 * `latest` when there is neither, as for a registry. A digest cannot be a daemon's tag.
 */
export function daemonDestination(text: string, tags: readonly string[], parse: (text: string) => ImageReference): DaemonDestination {
  const name = text.slice('docker-daemon:'.length);
  if (name.includes('@')) throw new UsageError(`destination "${text}": docker load tags images, it cannot name them by digest; give a tag instead`);
  const ref = parse(name);
  const repository = ref.tag === undefined ? name : name.slice(0, name.lastIndexOf(':'));
  const all = [...(ref.tag === undefined ? [] : [ref.tag]), ...tags];
  return { name: `docker-daemon:${repository}`, repoTags: [...new Set(all.length > 0 ? all : ['latest'])].map((tag) => `${repository}:${tag}`) };
}

const REGISTRY_SOURCE = 'docker://';

/** Source forms openSource knows by prefix (push's <source>, build's --from); anything else is a registry reference. */
export const SOURCE_PREFIXES = ['oci:', 'oci-archive:', 'docker-archive:', 'docker-daemon:', REGISTRY_SOURCE];

/** A source read from files or a daemon, not from a registry. */
export function isLocalSource(spec: string): boolean {
  return SOURCE_PREFIXES.some((p) => p !== REGISTRY_SOURCE && spec.startsWith(p));
}

/** The registry a `docker://REF` source is read from, as a list (empty for any other source). */
export function sourceRegistries(source: string, parse: (text: string) => ImageReference): string[] {
  return source.startsWith(REGISTRY_SOURCE) ? [parseRegistryRef(source.slice(REGISTRY_SOURCE.length), parse, 'source').registry] : [];
}
