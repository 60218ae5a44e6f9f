/**
 * The grammars of the names and values hoist takes from outside (a user's reference, a
 * registry's tag list, a manifest, a daemon's answer). Every decoder checks against these, so a
 * name that could leave its repository in a URL (`../../evil`), forge an output line (a newline)
 * or rewrite a terminal (ESC) never gets past where it enters.
 */

/** distribution/reference: a tag. */
const TAG = /^[\w][\w.-]{0,127}$/;
/** distribution/reference: one component of a repository path. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** distribution/reference: the whole repository path, host excluded. */
export const MAX_REPOSITORY_LENGTH = 255;
/** image-spec descriptor.md: the registered algorithms, and the length of their hex. */
const DIGEST_HEX: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
/** RFC 6838 section 4.2: type "/" subtype, restricted-name characters, 127 at most each; no parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isValidTag(tag: unknown): tag is string {
  return typeof tag === 'string' && TAG.test(tag);
}

export function isValidPathComponent(component: string): boolean {
  return PATH_COMPONENT.test(component);
}

/** `team/app`: components of the grammar, joined by single slashes, 255 characters at most. */
export function isValidRepository(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_REPOSITORY_LENGTH && name.split('/').every(isValidPathComponent);
}

/** `sha256:<64 lower-case hex>` or `sha512:<128>`: what may follow `/blobs/` or `/manifests/` in a URL. */
export function isValidDigest(digest: unknown): digest is string {
  if (typeof digest !== 'string') return false;
  const colon = digest.indexOf(':');
  const length = DIGEST_HEX[digest.slice(0, colon)];
  return length !== undefined && digest.length === colon + 1 + length && /^[a-f0-9]+$/.test(digest.slice(colon + 1));
}

export function isMediaType(type: unknown): type is string {
  return typeof type === 'string' && MEDIA_TYPE.test(type);
}

/** A byte count: a non-negative integer JavaScript holds exactly. */
export function isSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0;
}
