import type { ImageConfig } from '../oci-types.js';
import { DecodeError, jsonObject, parseJson } from './decode-error.js';
import { decodeAnnotations } from './descriptor.js';
import { isSize } from './grammar.js';

/** A manifest's or an index's top-level fields, before image-graph reads its descriptors. */
export interface ManifestFields {
  mediaType?: unknown;
  manifests?: unknown;
  config?: unknown;
  layers?: unknown;
  annotations?: Record<string, string>;
}

/** A manifest's bytes as an object; its annotations, if any, strings to strings. */
export function decodeManifestFields(bytes: Buffer, what: string): ManifestFields {
  const json = jsonObject(parseJson(bytes, what), what);
  if (json['annotations'] !== undefined) decodeAnnotations(json['annotations'], `${what} annotations`);
  return json as ManifestFields;
}

const CONFIG_STRINGS = ['architecture', 'os', 'variant', 'created', 'author'] as const;

/**
 * An image config (image-spec config.md) as far as hoist reads it: an object; its platform
 * fields and `created` strings; `config` an object with lists of strings where lists are;
 * labels strings. What a push copies is the bytes: this only guards what hoist prints and reads.
 */
export function decodeImageConfig(bytes: Buffer, what: string): ImageConfig {
  const json = jsonObject(parseJson(bytes, what), what);
  for (const field of CONFIG_STRINGS) {
    if (json[field] !== undefined && typeof json[field] !== 'string') throw new DecodeError(`${what} "${field}" is not a string`);
  }
  if (json['config'] !== undefined && json['config'] !== null) {
    const config = jsonObject(json['config'], `${what} "config"`);
    for (const field of ['Env', 'Entrypoint', 'Cmd'] as const) {
      const list = config[field];
      if (list !== undefined && list !== null && !(Array.isArray(list) && list.every((s) => typeof s === 'string'))) throw new DecodeError(`${what} "config.${field}" is not a list of strings`);
    }
    for (const field of ['User', 'WorkingDir', 'StopSignal'] as const) {
      if (config[field] !== undefined && typeof config[field] !== 'string') throw new DecodeError(`${what} "config.${field}" is not a string`);
    }
    for (const field of ['ExposedPorts', 'Volumes'] as const) {
      if (config[field] !== undefined && config[field] !== null) jsonObject(config[field], `${what} "config.${field}"`);
    }
    if (config['Labels'] !== undefined && config['Labels'] !== null) decodeAnnotations(config['Labels'], `${what} "config.Labels"`);
  }
  return json as unknown as ImageConfig;
}

/**
 * A Docker Engine's `GET /images/NAME/json` answer (Podman's too), as far as hoist reads it: the
 * ID, `sha256:<64 hex>`, and the size of the image, when it gives one that is a byte count.
 */
export function decodeDaemonImage(bytes: Buffer, what: string): { id: string; size?: number } {
  const json = jsonObject(parseJson(bytes, what), what);
  const id = json['Id'];
  if (typeof id !== 'string') throw new DecodeError(`${what} has no Id`);
  if (!/^(sha256:)?[a-f0-9]{64}$/.test(id)) throw new DecodeError(`${what} has an Id that is not an image ID ("${id.slice(0, 80)}")`);
  // Only for progress lines: a size missing or odd is no reason to refuse the image.
  return isSize(json['Size']) ? { id, size: json['Size'] } : { id };
}
