import type { Descriptor } from '../descriptor.js';
import { DecodeError, jsonObject, parseJson } from './decode-error.js';
import { decodeDescriptor } from './descriptor.js';

/** An index's entries, the bad ones set aside: the good ones, and why each other was left out. */
export interface LenientIndex {
  manifests: Descriptor[];
  /** One reason per entry left out ("manifests[2] has an invalid digest …"). */
  dropped: string[];
}

/**
 * An index read where one bad entry must not cost the others (a registry's list of referrers,
 * a fallback tag's index): the document must be an object with a `manifests` list; each entry
 * that is not a valid descriptor is dropped, with its reason. An image's own index is read
 * strictly (image-graph), since pushing it without an entry would change its digest.
 */
export function decodeLenientIndex(bytes: Buffer | string, what: string): LenientIndex {
  const body = jsonObject(parseJson(bytes, what), what);
  const listed = body['manifests'];
  if (!Array.isArray(listed)) throw new DecodeError(`${what} is not an OCI index (no "manifests" list)`);
  const manifests: Descriptor[] = [];
  const dropped: string[] = [];
  listed.forEach((entry, i) => {
    try {
      manifests.push(decodeDescriptor(entry, `manifests[${i}]`));
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      dropped.push(error.message);
    }
  });
  return { manifests, dropped };
}
