import { stat } from 'node:fs/promises';
import { DAEMON_PREFIX, openDaemonSource, type DaemonSourceOptions } from '../daemon/daemon-source.js';
import { openDockerArchive } from './docker-archive.js';
import { PushError, type Fail } from '../errors.js';
import { tarStore } from './file-store.js';
import { disposable, type ImageSource, type OpenedSource } from './image-source.js';
import { parseReference } from '../reference.js';
import { openRegistrySource, type RegistrySourceOptions } from './registry-source.js';
import { describeSpec, openLayoutIn, openOciLayout, parseOciLayoutSpec, type OciLayoutSpec } from './oci-layout.js';

/**
 * The source named on the command line. A transport prefix forces the kind (`oci:`,
 * `oci-archive:`, `docker-archive:`, `docker://` for an image in a registry, `docker-daemon:`
 * for one in a Docker daemon); a bare path is recognised by its content: a directory is
 * an OCI layout, an archive with `manifest.json` is a `docker save`, one with only `oci-layout`
 * an OCI archive. Archives may be gzip'd. `options` says where DOCKER_HOST is read and how a
 * daemon's export is compressed, and carries the signal that stops reading any source (a gzip'd
 * archive being decompressed, a daemon's export).
 */
export async function openSource(spec: string, registryOptions: RegistrySourceOptions = { adapters: [] }, options: DaemonSourceOptions = {}): Promise<OpenedSource> {
  return disposable(await openAny(spec, registryOptions, options));
}

async function openAny(spec: string, registryOptions: RegistrySourceOptions, options: DaemonSourceOptions): Promise<ImageSource> {
  const signal = options.signal;
  if (spec.startsWith(DAEMON_PREFIX)) return openDaemonSource(spec, options);
  if (spec.startsWith('docker://')) return openRegistrySource(parseReference(spec.slice('docker://'.length)), { ...(signal ? { signal } : {}), ...registryOptions });
  if (spec.startsWith('oci:')) return openOciLayout(parseOciLayoutSpec(spec));
  const max = options.maxDecompressed;
  if (spec.startsWith('oci-archive:')) return openOciArchive(await splitArchiveSpec(spec, 'oci-archive:'), 'oci-archive:', signal, max);
  if (spec.startsWith('docker-archive:')) return openDockerArchiveAt(await splitArchiveSpec(spec, 'docker-archive:'), signal, max);

  const kind = await pathKind(spec);
  if (kind === 'missing' && looksLikeImageName(spec)) {
    throw new PushError('INVALID_SOURCE', `${spec}: no such file or directory; for the image ${spec} in a Docker daemon, write docker-daemon:${spec} (docker://${spec} for one in a registry)`);
  }
  if (kind !== 'file') return openOciLayout({ path: spec });
  const fail = failFor(spec);
  const store = await tarStore(spec, fail, signal, max);
  if ((await store.size('manifest.json')) !== undefined) return openDockerArchive(store, undefined, spec, fail);
  if ((await store.size('oci-layout')) !== undefined) return openLayoutIn(store, undefined, spec, fail);
  await store.close();
  throw fail('neither an OCI layout nor a docker save archive (no oci-layout, no manifest.json)');
}

async function openOciArchive(spec: OciLayoutSpec, prefix: string, signal: AbortSignal | undefined, max: number | undefined): Promise<ImageSource> {
  const description = describeSpec(prefix, spec);
  const fail = failFor(description);
  return openLayoutIn(await tarStore(spec.path, fail, signal, max), spec.ref, description, fail);
}

async function openDockerArchiveAt(spec: OciLayoutSpec, signal: AbortSignal | undefined, max: number | undefined): Promise<ImageSource> {
  const description = describeSpec('docker-archive:', spec);
  const fail = failFor(description);
  return openDockerArchive(await tarStore(spec.path, fail, signal, max), spec.ref, description, fail);
}

/**
 * `PREFIX:PATH[:REF]` where REF may itself hold colons (`alpine:3.20`): PATH is the longest
 * leading part that is an existing file, or the whole when none is.
 */
async function splitArchiveSpec(spec: string, prefix: string): Promise<OciLayoutSpec> {
  const rest = spec.slice(prefix.length);
  if ((await pathKind(rest)) === 'file') return { path: rest };
  for (let i = rest.indexOf(':'); i > 0; i = rest.indexOf(':', i + 1)) {
    if ((await pathKind(rest.slice(0, i))) === 'file') return { path: rest.slice(0, i), ref: rest.slice(i + 1) };
  }
  return { path: rest };
}

/**
 * `backend:42`, `team/app@sha256:…`: a name with a tag or digest that Docker would take for an
 * image. A missing `dist/image.tar` or `build/oci` is far likelier a mistyped path, and gets no hint.
 */
function looksLikeImageName(spec: string): boolean {
  if (!/[:@]/.test(spec) || /\.(tar|tgz|gz|zst)(:|$)/i.test(spec)) return false;
  try {
    parseReference(spec);
    return true;
  } catch {
    return false;
  }
}

async function pathKind(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

function failFor(description: string): Fail {
  return (why) => new PushError('INVALID_SOURCE', `${description}: ${why}`);
}
