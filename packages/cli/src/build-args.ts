import type { BuildImageOptions, ConfigEdits, LayerSource } from '@hoist/core';
import { applyEnvDefaults } from './env-defaults.js';
import { parseOptions } from './parse-options.js';
import { keyValues, PUSH_OPTIONS, pushArgsOf, type PushArgs } from './push-args.js';
import { SOURCE_PREFIXES } from './destination-refs.js';
import { UsageError } from './usage-error.js';

export const BUILD_USAGE = `Usage: hoist build --from BASE [options] <destination>...

Makes an image without a Docker daemon: BASE plus a layer for each --add, with the config
edited, pushed to every destination. The base's layers are never downloaded: a registry that
holds them already, or can mount them from the base's repository, is sent only the new layers.

  --from BASE             a registry reference (registry.example.com/base/node:20), oci:DIR[:REF],
                          docker-daemon:NAME[:TAG], an archive (oci-archive:, docker-archive:),
                          or scratch
  --add SRC[:DEST]        a layer of the file or directory SRC, at DEST in the image (absolute;
                          default /NAME). A directory's contents go under DEST, as COPY does.
                          Repeatable: one layer each, in order; put what changes least first
  --exclude GLOB          leave out paths matching GLOB, relative to each SRC (repeatable):
                          '*.log', '**/node_modules', .git
  --entrypoint ARG        the entrypoint, one argument per flag (repeatable); drops the base's cmd
  --cmd ARG               the command, one argument per flag (repeatable)
  --env KEY=VALUE         set an environment variable (repeatable)
  --workdir DIR           the working directory
  --user USER[:GROUP]     the user the container runs as
  --label KEY=VALUE       a config label (repeatable)
  --expose PORT[/PROTO]   an exposed port (repeatable)
  --annotation KEY=VALUE  a manifest annotation (repeatable)
  --ci-annotations        org.opencontainers.image.revision, .source, .url and .created from the CI
                          environment (Jenkins' GIT_COMMIT, GIT_URL, BUILD_URL; GitHub Actions';
                          GitLab's; SOURCE_DATE_EPOCH for created)
  --platform OS/ARCH      build on these platforms of a multi-platform base (default: all), or
                          make these from scratch (default: this machine's); repeatable

Files get mode bits as on disk, owner 0:0, and the time SOURCE_DATE_EPOCH (default 0): the same
files give the same digest on any agent and in any checkout directory.

Every option of hoist push applies too: -t, --digest-file, --image-refs, credentials, TLS,
--json, --timeout (see hoist push --help). Exit status as for push.
`;

const BUILD_OPTIONS = {
  from: { type: 'string' },
  add: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  entrypoint: { type: 'string', multiple: true },
  cmd: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  workdir: { type: 'string' },
  user: { type: 'string' },
  label: { type: 'string', multiple: true },
  expose: { type: 'string', multiple: true },
  annotation: { type: 'string', multiple: true },
  'ci-annotations': { type: 'boolean' },
} as const;

export interface BuildArgs {
  push: PushArgs;
  build: Omit<BuildImageOptions, 'base' | 'env' | 'signal'>;
}

export function parseBuildArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BuildArgs {
  const options = { ...PUSH_OPTIONS, ...BUILD_OPTIONS };
  const { values, positionals } = parseOptions(argv, options);
  const label = applyEnvDefaults(values, options, env);
  const help = values.help ?? false;
  if (!help && values.from === undefined) throw new UsageError('build needs --from BASE (an image reference, oci:DIR, docker-daemon:NAME, or scratch)');
  if (!help && positionals.length < 1) throw new UsageError('build needs at least one destination');
  const from = values.from ?? '';
  const base = from === 'scratch' || SOURCE_PREFIXES.some((p) => from.startsWith(p)) ? from : `docker://${from}`;
  const config: ConfigEdits = {
    ...(values.entrypoint ? { entrypoint: values.entrypoint } : {}),
    ...(values.cmd ? { cmd: values.cmd } : {}),
    ...(values.env ? { env: keyValues('--env', values.env) } : {}),
    ...(values.workdir === undefined ? {} : { workdir: values.workdir }),
    ...(values.user === undefined ? {} : { user: values.user }),
    ...(values.label ? { labels: keyValues('--label', values.label) } : {}),
    ...(values.expose ? { exposedPorts: values.expose.map(port) } : {}),
  };
  const annotations = { ...(values['ci-annotations'] ? ciAnnotations(env) : {}), ...keyValues('--annotation', values.annotation ?? []) };
  return {
    push: pushArgsOf(values, label, env, base, positionals),
    build: {
      layers: (values.add ?? []).map((add) => layerSource(add, values.exclude ?? [])),
      config,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(base.startsWith('docker://') ? { baseName: base.slice('docker://'.length) } : {}),
    },
  };
}

/** `SRC` or `SRC:/DEST`: the first colon followed by `/` separates them. */
function layerSource(value: string, exclude: readonly string[]): LayerSource {
  const split = /^(.+?):(\/.*)$/.exec(value);
  const from = split ? split[1]! : value;
  if (from === '') throw new UsageError(`--add takes SRC[:DEST], not "${value}"`);
  return { from, ...(split ? { to: split[2]! } : {}), ...(exclude.length > 0 ? { exclude } : {}) };
}

function port(value: string): string {
  if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(value) || Number(value.split('/')[0]) > 65535) throw new UsageError(`--expose takes PORT or PORT/tcp|udp|sctp, not "${value}"`);
  return value;
}

/**
 * What the CI system says about the build: Jenkins (Git plugin), GitHub Actions, GitLab. A
 * repository URL loses any credentials it carries (Jenkins' GIT_URL can hold a token).
 */
export function ciAnnotations(env: NodeJS.ProcessEnv): Record<string, string> {
  const github = env['GITHUB_SERVER_URL'] && env['GITHUB_REPOSITORY'] ? `${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}` : undefined;
  const githubRun = github && env['GITHUB_RUN_ID'] ? `${github}/actions/runs/${env['GITHUB_RUN_ID']}` : undefined;
  const found: Record<string, string | undefined> = {
    'org.opencontainers.image.revision': env['GIT_COMMIT'] ?? env['GITHUB_SHA'] ?? env['CI_COMMIT_SHA'],
    'org.opencontainers.image.source': withoutCredentials(env['GIT_URL'] ?? github ?? env['CI_PROJECT_URL']),
    'org.opencontainers.image.url': env['BUILD_URL'] ?? githubRun ?? env['CI_JOB_URL'],
    'org.opencontainers.image.created': env['SOURCE_DATE_EPOCH'] && /^\d+$/.test(env['SOURCE_DATE_EPOCH']) ? new Date(Number(env['SOURCE_DATE_EPOCH']) * 1000).toISOString() : undefined,
  };
  return Object.fromEntries(Object.entries(found).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

function withoutCredentials(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // scp-style git@host:org/repo.git carries no secret.
    return url;
  }
}
