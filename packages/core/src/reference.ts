import { isValidDigest, isValidPathComponent, isValidTag, MAX_REPOSITORY_LENGTH } from './decode/grammar.js';
import { PushError } from './errors.js';

/**
 * Image references, parsed and normalised the way Docker does (distribution/reference):
 * `[host[:port]/]path[:tag][@digest]`. The first component is a registry host only when it
 * contains a dot or a colon, or is `localhost`; otherwise the image lives on Docker Hub, where a
 * single-component path gets the `library/` prefix.
 */
export const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** Registry host as written by the user, `[host][:port]`, lower-cased; `docker.io` for Hub. */
  registry: string;
  /** Repository path, e.g. `library/alpine` or `team/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const HOST_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function invalid(input: string, why: string): PushError {
  return new PushError('INVALID_REFERENCE', `invalid reference "${input}": ${why}`);
}

export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (/\s/.test(input)) throw invalid(input, 'it contains white space');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isValidDigest(digest)) throw invalid(input, `digest "${digest}" is not sha256:<64 hex> or sha512:<128 hex>`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw invalid(input, `tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!HOST.test(first)) throw invalid(input, `registry host "${first}" is not a valid host[:port]`);
    registry = first.toLowerCase();
    parts.shift();
  }
  if (HUB_ALIASES.has(registry)) registry = DOCKER_HUB;

  for (const part of parts) {
    if (part === '') throw invalid(input, 'the repository path has an empty component');
    if (part !== part.toLowerCase()) throw invalid(input, `repository component "${part}" must be lowercase`);
    if (!isValidPathComponent(part)) {
      throw invalid(input, `repository component "${part}" may hold only a-z, 0-9 and single separators (. _ __ -)`);
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > MAX_REPOSITORY_LENGTH) throw invalid(input, `repository name is longer than ${MAX_REPOSITORY_LENGTH} characters`);

  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

export function formatReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

export { isValidDigest, isValidTag };
