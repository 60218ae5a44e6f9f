import type { Descriptor, Platform } from '../descriptor.js';
import { DecodeError, jsonObject, shown } from './decode-error.js';
import { isMediaType, isSize, isValidDigest } from './grammar.js';

/**
 * A content descriptor from a manifest, an index, a layout's index.json or a registry's list
 * of referrers, checked field by field: the digest is one hoist may put in a URL, the size a
 * safe integer, the types RFC 6838 names, annotations strings, a platform's fields strings.
 * Returns the object itself, checked: fields hoist does not read (urls, data) pass as they are.
 */
export function decodeDescriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DecodeError(`${where} is not a descriptor object`);
  const d = value as Record<string, unknown>;
  if (d['mediaType'] === undefined) throw new DecodeError(`${where} has no mediaType`);
  if (!isMediaType(d['mediaType'])) throw new DecodeError(`${where} has an invalid mediaType "${shown(d['mediaType'])}"`);
  if (!isValidDigest(d['digest'])) throw new DecodeError(`${where} has an invalid digest "${shown(d['digest'])}"`);
  if (!isSize(d['size'])) throw new DecodeError(`${where} has an invalid size "${shown(d['size'])}"`);
  if (d['artifactType'] !== undefined && !isMediaType(d['artifactType'])) throw new DecodeError(`${where} has an invalid artifactType "${shown(d['artifactType'])}"`);
  if (d['annotations'] !== undefined) decodeAnnotations(d['annotations'], `${where} annotations`);
  if (d['platform'] !== undefined) decodePlatform(d['platform'], `${where} platform`);
  return value as Descriptor;
}

/** Annotations: an object of strings to strings (image-spec annotations.md). */
export function decodeAnnotations(value: unknown, where: string): Record<string, string> {
  const object = jsonObject(value, where);
  for (const [key, text] of Object.entries(object)) {
    if (typeof text !== 'string') throw new DecodeError(`${where} "${shown(key)}" is not a string`);
  }
  return object as Record<string, string>;
}

function decodePlatform(value: unknown, where: string): Platform {
  const p = jsonObject(value, where);
  for (const field of ['architecture', 'os', 'variant', 'os.version'] as const) {
    if (p[field] !== undefined && typeof p[field] !== 'string') throw new DecodeError(`${where} "${field}" is not a string`);
  }
  if (typeof p['architecture'] !== 'string' || typeof p['os'] !== 'string') throw new DecodeError(`${where} needs "architecture" and "os"`);
  const features = p['os.features'];
  if (features !== undefined && !(Array.isArray(features) && features.every((f) => typeof f === 'string'))) throw new DecodeError(`${where} "os.features" is not a list of strings`);
  return p as unknown as Platform;
}
