import { isIndexMediaType, type Descriptor, type Platform } from '../descriptor.js';
import { digestOf } from '../digest.js';
import { PushError } from '../errors.js';
import type { ImageConfig } from '../oci-types.js';
import { decodeAs, decodeImageConfig } from '../decode/index.js';
import { readBody } from '../registry/transport.js';
import type { ImageSource } from './image-source.js';

/** Real configs are a few KiB (a long history: tens); anything near this is not one. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** An image's config, read from its source and checked against its digest. */
export async function readImageConfig(source: ImageSource, descriptor: Descriptor): Promise<ImageConfig> {
  if (isIndexMediaType(descriptor.mediaType) || descriptor.size > MAX_CONFIG_BYTES) {
    throw new PushError('INVALID_SOURCE', `${source.description}: config ${descriptor.digest} is not an image config of a sensible size`);
  }
  const bytes = await readBody(source.openBlob(descriptor), MAX_CONFIG_BYTES, `config ${descriptor.digest}`);
  if (digestOf(bytes) !== descriptor.digest) throw new PushError('DIGEST_MISMATCH', `${source.description}: config ${descriptor.digest} came with other bytes`);
  return decodeAs('INVALID_SOURCE', source.description, () => decodeImageConfig(bytes, `config ${descriptor.digest}`));
}

/** The platform an image's config says it is for (a manifest has none of its own), if it says; `config` is its descriptor. */
export async function imagePlatform(source: ImageSource, config: Descriptor): Promise<Platform | undefined> {
  const { os, architecture, variant } = await readImageConfig(source, config);
  if (!os || !architecture) return undefined;
  return { os, architecture, ...(variant === undefined ? {} : { variant }) };
}
