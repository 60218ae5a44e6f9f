import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { MediaTypes, type Descriptor } from '../descriptor.js';
import { digestOf } from '../digest.js';
import { PushError } from '../errors.js';
import type { ImageManifest } from '../oci-types.js';
import type { ImageSource } from '../sources/image-source.js';

/** A file an artifact carries, and the media type it goes up with. */
export interface ArtifactFile {
  path: string;
  mediaType: string;
}

/** The artifact's config when it has none of its own (image-spec 1.1): `{}`. */
const EMPTY = Buffer.from('{}');
export const EMPTY_DESCRIPTOR: Descriptor = { mediaType: MediaTypes.ociEmpty, digest: digestOf(EMPTY), size: EMPTY.length };
const TITLE = 'org.opencontainers.image.title';

/**
 * An artifact that refers to `subject`, as image-spec 1.1 advises one be made: an image manifest
 * with `artifactType`, the empty config, the files as its layers (each titled with its file
 * name; the empty descriptor when there are none) and `subject`. A source like any other, so
 * the push engine uploads it (HEAD-skip, retries, progress) and PUTs it by digest.
 */
export async function artifactSource(subject: Descriptor, artifactType: string, files: readonly ArtifactFile[], annotations: Readonly<Record<string, string>>): Promise<ImageSource> {
  const layers = await Promise.all(files.map(async (file) => ({ ...(await describeFile(file)), annotations: { [TITLE]: basename(file.path) } })));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: layers.length > 0 ? layers : [EMPTY_DESCRIPTOR],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const root: Descriptor = { mediaType: MediaTypes.ociManifest, digest: digestOf(bytes), size: bytes.length };
  const paths = new Map(files.map((file, i) => [layers[i]!.digest, file.path]));
  return {
    description: `artifact ${artifactType} for ${subject.digest}`,
    root,
    readManifest: async (descriptor) => {
      if (descriptor.digest !== root.digest) throw new PushError('INVALID_SOURCE', `the artifact has no manifest ${descriptor.digest}`);
      return bytes;
    },
    checkBlob: async () => {},
    openBlob: (descriptor) => (descriptor.digest === EMPTY_DESCRIPTOR.digest ? Readable.from([EMPTY]) : createReadStream(paths.get(descriptor.digest)!)),
  };
}

async function describeFile(file: ArtifactFile): Promise<Descriptor> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file.path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (error) {
    throw new PushError('USAGE', `--file ${file.path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { mediaType: file.mediaType, digest: `sha256:${hash.digest('hex')}`, size };
}
