import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLayoutRefName } from '@hoist/core';
import { checkRegistryTags, parsePushArgs, tagFromEnv } from '../src/push-args.js';

describe('parsePushArgs', () => {
  it('reads the full contract', () => {
    expect(
      parsePushArgs(['oci:/l:v1', 'r.io/a:1', 'q.io/b', '-t', 'x', '--tag', 'y', '--platform', 'linux/arm64', '-u', 'ci', '--password-stdin', '--ca-file', '/ca.pem', '--plain-http', 'Reg.Local:5000', '-j', '8', '--retries', '2', '--timeout', '90s', '--digest-file', '/d', '--json', '--no-cache', '--compression', 'none', '--create-repository', '--adapter', './corp.mjs', '--resolve', 'Reg.Local:10.1.2.3']),
    ).toEqual({
      source: 'oci:/l:v1',
      destinations: ['r.io/a:1', 'q.io/b'],
      tags: ['x', 'y'],
      platforms: ['linux/arm64'],
      username: 'ci',
      password: { from: 'stdin' },
      caFiles: ['/ca.pem'],
      insecure: false,
      plainHttp: ['reg.local:5000'],
      concurrency: 8,
      retries: 2,
      timeoutMs: 90_000,
      timeoutSetting: '--timeout 90s',
      digestFile: '/d',
      cache: false,
      createRepository: true,
      adapters: ['./corp.mjs'],
      resolve: { 'reg.local': '10.1.2.3' },
      compression: { format: 'none', level: 1 },
      json: true,
      verbose: false,
      quiet: false,
      help: false,
    });
  });

  it.each([
    [['src'], 'needs a source and at least one destination'],
    [['src', 'dst', '-u', 'me'], '--username needs --password-stdin or --password-env'],
    [['src', 'dst', '--password-stdin'], '--password-stdin needs --username or --username-env'],
    [['src', 'dst', '--password-env', 'P'], '--password-env P needs --username or --username-env'],
    [['src', 'dst', '--username-env', 'U'], '--username-env U needs --password-stdin or --password-env'],
    [['src', 'dst', '-u', 'a', '--password-stdin', '--password-env', 'P'], 'exclude each other'],
    [['src', 'dst', '-j', '0'], '--concurrency takes a whole number from 1 to 64'],
    [['src', 'dst', '-j', 'many'], '--concurrency takes a whole number from 1 to 64'],
    [['src', 'dst', '-q', '-v'], 'exclude each other'],
    [['src', 'dst', '--retries', '21'], '--retries takes a whole number from 0 to 20'],
    [['src', 'dst', '--timeout', '10 minutes'], '--timeout takes a duration such as 90s'],
    [['src', 'dst', '--timeout', '0'], '--timeout takes a duration'],
    [['src', 'dst', '--cert', 'c.pem'], '--cert and --key go together'],
    [['src', 'dst', '--resolve', 'reg.local'], '--resolve takes HOST:ADDRESS'],
    [['src', 'dst', '--resolve', 'reg.local:not-an-ip'], '--resolve takes HOST:ADDRESS'],
    [['src', 'dst', '--tls-verify=no'], '--tls-verify takes true or false'],
    [['src', 'dst', '--platform', 'linux/amd64', '--all-platforms'], 'exclude each other'],
    [['src', 'dst', '--compression', 'lz4'], '--compression takes gzip, zstd or none'],
    [['src', 'dst', '--compression-level', '10'], '--compression-level takes a whole number from 1 to 9'],
    [['src', 'dst', '--password', 'secret'], 'unknown option --password: hoist takes no secret on the command line'],
    [['src', 'dst', '--digestfile', 'd'], 'unknown option --digestfile; did you mean --digest-file?'],
    [['src', 'dst', '--concurency', '4'], 'unknown option --concurency; did you mean --concurrency?'],
    [['src', 'dst', '--tag-env', 'NOPE_UNSET_VAR'], '--tag-env NOPE_UNSET_VAR: the variable is not set'],
    [['src', 'dst', '--tag-file', '/nonexistent/tags'], '--tag-file /nonexistent/tags: cannot read it (ENOENT)'],
  ])('refuses %j', (argv, message) => {
    expect(() => parsePushArgs(argv)).toThrowError(expect.objectContaining({ name: 'UsageError', message: expect.stringContaining(message) }));
  });

  it('takes --compression zstd where Node.js has it (22.15+), and says which Node.js it needs where not', () => {
    if (typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function') {
      expect(parsePushArgs(['src', 'dst', '--compression', 'zstd']).compression).toEqual({ format: 'zstd', level: 3 });
      expect(parsePushArgs(['src', 'dst', '--compression', 'zstd', '--compression-level', '19']).compression).toEqual({ format: 'zstd', level: 19 });
    } else {
      expect(() => parsePushArgs(['src', 'dst', '--compression', 'zstd'])).toThrowError(`--compression zstd needs Node.js 22.15 or later (this is ${process.version}); use gzip`);
    }
  });

  it.each([
    ['45', 45_000],
    ['10m', 600_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
  ])('reads --timeout %s', (value, ms) => {
    expect(parsePushArgs(['s', 'd', '--timeout', value]).timeoutMs).toBe(ms);
  });

  it('defaults --timeout to 30 minutes', () => {
    expect(parsePushArgs(['s', 'd']).timeoutMs).toBe(30 * 60_000);
  });

  it('takes username and password variables by name only, read later (only a run with a registry needs them set)', () => {
    const args = parsePushArgs(['s', 'd', '--username-env', 'REG_USER', '--password-env', 'REG_PASS'], {});
    expect(args.username).toBeUndefined();
    expect(args.usernameEnv).toEqual({ variable: 'REG_USER', setting: '--username-env REG_USER', label: '--username-env' });
    expect(args.password).toEqual({ from: 'env', variable: 'REG_PASS', setting: '--password-env REG_PASS', label: '--password-env' });
  });

  it('names HOIST_*_ENV as the user set them, and takes no default with --help', () => {
    const env = { HOIST_USERNAME_ENV: 'REG_USER', HOIST_PASSWORD_ENV: 'REG_PASS', HOIST_CONCURRENCY: 'lots' };
    expect(parsePushArgs(['--help'], env).help).toBe(true);
    const args = parsePushArgs(['s', 'd'], { ...env, HOIST_CONCURRENCY: '2' });
    expect(args.usernameEnv).toEqual({ variable: 'REG_USER', setting: 'HOIST_USERNAME_ENV=REG_USER', label: 'HOIST_USERNAME_ENV' });
    expect(args.password).toEqual({ from: 'env', variable: 'REG_PASS', setting: 'HOIST_PASSWORD_ENV=REG_PASS', label: 'HOIST_PASSWORD_ENV' });
    // Half a pair from the pipeline's environment is said only by a run that needs credentials; a flag's at once.
    expect(parsePushArgs(['s', 'd'], { HOIST_PASSWORD_ENV: 'REG_PASS' }).credentialsProblem).toBe('HOIST_PASSWORD_ENV=REG_PASS needs --username or --username-env');
    expect(() => parsePushArgs(['s', 'd', '--password-env', 'REG_PASS'])).toThrow('--password-env REG_PASS needs --username or --username-env');
    // A value where a name belongs is never echoed.
    expect(() => parsePushArgs(['s', 'd', '-u', 'ci', '--password-env', 'ci:pw'])).toThrow(/^--password-env takes the name of a variable, such as REG_PASS, not its value: what it was given is no variable name \(not shown, as it may be the secret\)$/);
  });

  it('takes tags separated by commas, from a file, and from a variable made valid', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'hoist-tags-')), 'tags');
    await writeFile(file, '# release tags\nv1.4\n\nstable\n');
    const args = parsePushArgs(['s', 'd', '-t', 'a,b', '-t', 'c', '--tag-file', file, '--tag-env', 'BRANCH_NAME'], { BRANCH_NAME: 'feature/login#2' });
    expect(args.tags).toEqual(['a', 'b', 'c', 'v1.4', 'stable', 'feature-login-2']);
  });

  it('refuses a registry tag with a "/", pointing at --tag-env', () => {
    expect(() => checkRegistryTags(['v1', 'feature/login'])).toThrow('tag "feature/login": a registry\'s tag may not hold "/"; for a branch name, --tag-env VAR makes a tag of it (feature/login becomes feature-login)');
    expect(() => checkRegistryTags(['v1', 'feature-login'])).not.toThrow();
  });

  it.each([
    ['feature/login', 'feature-login'],
    ['.hidden/-x', 'hidden--x'],
    ['release/2.0', 'release-2.0'],
    ['x'.repeat(200), 'x'.repeat(128)],
    // Valid in an OCI layout too (push --help says so): one separator at a time, none at an end.
    ['feature/JIRA-1_', 'feature-JIRA-1'],
    ['user/a__b', 'user-a-b'],
    ['_wip/.x', 'wip-x'],
    [`${'x'.repeat(127)}/y`, 'x'.repeat(127)],
  ])('makes a tag of %s', (value, tag) => {
    expect(tagFromEnv('V', { V: value })).toBe(tag);
    expect(isLayoutRefName(tag)).toBe(true);
  });

  it('takes HOIST_* defaults from the environment; flags win', () => {
    const env = { HOIST_CONCURRENCY: '8', HOIST_RETRIES: '2', HOIST_TIMEOUT: '10m', HOIST_CA_FILE: '/a.pem, /b.pem', HOIST_USERNAME_ENV: 'U', HOIST_PASSWORD_ENV: 'P', U: 'ci', HOIST_PLAIN_HTTP: 'Reg:5000', HOIST_COMPRESSION_LEVEL: '1' };
    const fromEnv = parsePushArgs(['s', 'd'], env);
    expect(fromEnv).toMatchObject({ concurrency: 8, retries: 2, timeoutMs: 600_000, timeoutSetting: 'HOIST_TIMEOUT=10m', caFiles: ['/a.pem', '/b.pem'], usernameEnv: { variable: 'U', setting: 'HOIST_USERNAME_ENV=U' }, password: { from: 'env', variable: 'P', setting: 'HOIST_PASSWORD_ENV=P' }, plainHttp: ['reg:5000'], compression: { level: 1 } });
    const flags = parsePushArgs(['s', 'd', '-j', '2', '-u', 'me', '--password-stdin', '--ca-file', '/c.pem'], env);
    expect(flags).toMatchObject({ concurrency: 2, username: 'me', password: { from: 'stdin' }, caFiles: ['/c.pem'] });
  });

  it('names the variable a bad default came from', () => {
    expect(() => parsePushArgs(['s', 'd'], { HOIST_CONCURRENCY: 'lots' })).toThrowError('HOIST_CONCURRENCY takes a whole number from 1 to 64, not "lots"');
  });

  it('lets --help through without positionals', () => {
    expect(parsePushArgs(['--help']).help).toBe(true);
  });

  it('takes --plan alone, and --shard only with it, its index a number or a variable', () => {
    expect(parsePushArgs(['--plan', 'p.yaml', '--shard', '1/3'])).toMatchObject({ plan: 'p.yaml', shard: { index: 1, count: 3 } });
    expect(parsePushArgs(['--plan', 'p.yaml', '--shard', 'JOB_COMPLETION_INDEX/3'], { JOB_COMPLETION_INDEX: '2' }).shard).toEqual({ index: 2, count: 3 });
    expect(() => parsePushArgs(['--plan', 'p.yaml', 'app.tar', 'r.example/a:1'])).toThrow('--plan takes its images from p.yaml: give no source or destination with it');
    expect(() => parsePushArgs(['--plan', 'p.yaml', '--digest-file', 'd'])).toThrow('--digest-file names one digest; with --plan, use --image-refs or --json');
    expect(() => parsePushArgs(['app.tar', 'r.example/a:1', '--shard', '0/2'])).toThrow("--shard divides a plan's images among agents: use it with --plan");
    expect(() => parsePushArgs(['--plan', 'p.yaml', '--shard', '3/3'])).toThrow('--shard 3/3: the index must be below the count, which is 1 to 1000 (got 3/3)');
    expect(() => parsePushArgs(['--plan', 'p.yaml', '--shard', 'JOB_COMPLETION_INDEX/3'], {})).toThrow('--shard JOB_COMPLETION_INDEX/3: JOB_COMPLETION_INDEX is not set');
    expect(() => parsePushArgs(['--plan', 'p.yaml', '--shard', 'IDX/3'], { IDX: 'one' })).toThrow('--shard IDX/3: IDX is "one", not a shard index');
    expect(() => parsePushArgs(['--plan', 'p.yaml', '--shard', '1-3'])).toThrow('--shard takes INDEX/COUNT (0/3, or JOB_COMPLETION_INDEX/3), not "1-3"');
  });
});
