import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPushError } from '@hoist/core';
import { adapterChain, defaultAdapters, KNOWN_CLOUD_ADAPTERS, missingAdapterNotices, type KnownAdapter } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-adapter-chain-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function module(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** An adapter module's text: it claims `host`, and records what its factory was given. */
const adapterModule = (name: string, host: string) =>
  `export default (options) => ({ name: '${name}', given: options, matches: (r) => r === '${host}', resolveCredentials: async () => undefined, capabilities: () => ({ upload: 'monolithic', mount: true }) });`;

/** A package in `root`/node_modules, ESM, its entry named the way `exports` is written. */
async function installPackage(root: string, name: string, exports: unknown, text: string): Promise<void> {
  const pkgDir = join(root, 'node_modules', name);
  await mkdir(join(pkgDir, 'lib'), { recursive: true });
  await writeFile(join(pkgDir, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', exports }));
  await writeFile(join(pkgDir, 'lib', 'index.js'), text);
}

/** The ECR entry of the known adapters, as if `name` could not be found when it loads. */
const ecrWithout = (name: string): KnownAdapter => ({
  ...KNOWN_CLOUD_ADAPTERS.find((k) => k.package === '@hoist/adapter-ecr')!,
  load: async () => {
    throw Object.assign(new Error(`Cannot find package '${name}' imported from /x/adapter-chain.js`), { code: 'ERR_MODULE_NOT_FOUND' });
  },
});

const names = (chain: { adapters: { name: string }[] }) => chain.adapters.map((a) => a.name);

describe('adapterChain', () => {
  it('loads every installed cloud adapter before Docker Hub and the generic catch-all', async () => {
    const chain = await adapterChain({ pluginsFrom: false });
    expect(names(chain)).toEqual(['ecr', 'gcr', 'acr', 'harbor', 'ghcr', 'quay', 'dockerhub', 'generic']);
    expect(chain.origins.map((o) => o.kind)).toEqual(['cloud', 'cloud', 'cloud', 'built-in', 'built-in', 'built-in', 'built-in', 'built-in']);
    expect(chain.missing.size).toBe(0);
    expect((await defaultAdapters({ pluginsFrom: false })).map((a) => a.name)).toEqual(names(chain));
  });

  it('records a cloud adapter that is not installed and goes on without it', async () => {
    const chain = await adapterChain({ pluginsFrom: false, clouds: [ecrWithout('@hoist/adapter-ecr')] });
    expect(names(chain)).toEqual(['harbor', 'ghcr', 'quay', 'dockerhub', 'generic']);
    expect([...chain.missing]).toEqual(['@hoist/adapter-ecr']);
  });

  it('keeps a plugin written as a class whole when credentials are given on the command line and observed', async () => {
    const path = await module(
      'class-adapter.mjs',
      `class Corp { name = 'corp'; matches(r) { return r === 'corp.example'; } async resolveCredentials() { return { kind: 'basic', username: 'robot', password: 'from-the-class' }; } capabilities() { return { upload: 'chunked', mount: false }; } refusalHint() { return 'ask the corp'; } }
       export default () => new Corp();`,
    );
    const seen: string[] = [];
    const chain = await adapterChain({
      pluginsFrom: false,
      clouds: [],
      plugins: [path],
      credentials: { explicit: { registries: ['other.example'], username: 'u', password: 'p' }, dockerConfig: '/nonexistent' },
      onCredential: (credential) => seen.push(credential.kind === 'basic' ? credential.password : ''),
    });
    const corp = chain.adapters[0]!;
    expect([corp.name, corp.matches('corp.example'), corp.capabilities('corp.example'), corp.refusalHint?.({ status: 401, credentialsAccepted: true })]).toEqual(['corp', true, { upload: 'chunked', mount: false }, 'ask the corp']);
    expect(await corp.resolveCredentials('corp.example', {})).toMatchObject({ password: 'from-the-class' });
    expect(await corp.resolveCredentials('other.example', {})).toMatchObject({ password: 'p' });
    expect(seen).toEqual(['from-the-class', 'p']);
  });

  it('fails loudly when an installed adapter cannot load one of its own dependencies', async () => {
    const failed = adapterChain({ pluginsFrom: false, clouds: [ecrWithout('@aws-sdk/client-ecr')] });
    await expect(failed).rejects.toMatchObject({ code: 'USAGE' });
    await expect(failed).rejects.toThrow(/^@hoist\/adapter-ecr is installed but could not be loaded: Cannot find package '@aws-sdk\/client-ecr'.*; reinstall it/);
  });

  it('puts given plugins first, whether they export an adapter or a factory, and gives factories the env, the fallback chain and createRepository', async () => {
    const object = await module('object.mjs', `export default { name: 'in-house', matches: (r) => r === 'reg.corp', resolveCredentials: async () => undefined, capabilities: () => ({ upload: 'monolithic', mount: false }) };`);
    const factory = await module('factory.mjs', adapterModule('factory', 'f.corp'));
    const env = { HOME: dir, MARK: 'from the run' };
    const chain = await adapterChain({ plugins: [object, factory], pluginsFrom: false, clouds: [], env, createRepository: true });
    expect(names(chain)).toEqual(['in-house', 'factory', 'harbor', 'ghcr', 'quay', 'dockerhub', 'generic']);
    const given = (chain.adapters[1] as unknown as { given: { env: Record<string, string>; fallback: { name: string }; createRepository: boolean } }).given;
    expect(given.env['MARK']).toBe('from the run');
    expect(given.fallback.name).toBe('generic');
    expect(given.createRepository).toBe(true);
    expect(chain.origins[1]).toEqual({ kind: 'given', spec: factory, file: factory });
  });

  it('finds hoist-adapter-* and @scope/hoist-adapter-* packages in the node_modules that holds pluginsFrom, after HOIST_ADAPTERS, each once', async () => {
    const root = join(dir, 'project');
    await installPackage(root, 'hoist-adapter-zeta', { '.': { import: './lib/index.js' } }, adapterModule('zeta', 'z.example'));
    await installPackage(root, '@corp/hoist-adapter-harbor', './lib/index.js', adapterModule('harbor', 'harbor.corp'));
    await installPackage(root, 'not-a-plugin', './lib/index.js', 'throw new Error("never loaded")');
    await installPackage(root, 'named-by-env', { '.': { default: './lib/index.js' } }, adapterModule('env-named', 'e.example'));
    const from = join(root, 'node_modules', '@hoist', 'cli', 'bin');
    await mkdir(from, { recursive: true });
    const chain = await adapterChain({ pluginsFrom: from, clouds: [], env: { HOIST_ADAPTERS: 'named-by-env, hoist-adapter-zeta' } });
    expect(names(chain)).toEqual(['env-named', 'zeta', 'harbor', 'harbor', 'ghcr', 'quay', 'dockerhub', 'generic']);
    expect(chain.origins.slice(0, 3)).toEqual([
      { kind: 'HOIST_ADAPTERS', spec: 'named-by-env', file: join(root, 'node_modules', 'named-by-env', 'lib', 'index.js'), package: { name: 'named-by-env', version: '1.2.3' } },
      { kind: 'HOIST_ADAPTERS', spec: 'hoist-adapter-zeta', file: join(root, 'node_modules', 'hoist-adapter-zeta', 'lib', 'index.js'), package: { name: 'hoist-adapter-zeta', version: '1.2.3' } },
      { kind: 'found', spec: '@corp/hoist-adapter-harbor', file: join(root, 'node_modules', '@corp', 'hoist-adapter-harbor', 'lib', 'index.js'), package: { name: '@corp/hoist-adapter-harbor', version: '1.2.3' } },
    ]);
    expect(chain.adapters.find((a) => a.matches('harbor.corp'))?.name).toBe('harbor');
  });

  it('finds installed plugins only in the node_modules that holds pluginsFrom, never an ancestor one, nor the working directory\'s unasked', async () => {
    const workspace = join(dir, 'workspace');
    const job = join(workspace, 'jobA');
    await installPackage(workspace, 'hoist-adapter-planted', './lib/index.js', 'throw new Error("planted package loaded")');
    await installPackage(job, 'hoist-adapter-own', './lib/index.js', adapterModule('own', 'own.example'));
    const from = join(job, 'node_modules', '@hoist', 'cli', 'bin');
    await mkdir(from, { recursive: true });
    const chain = await adapterChain({ pluginsFrom: from, clouds: [] });
    expect(names(chain)).toEqual(['own', 'harbor', 'ghcr', 'quay', 'dockerhub', 'generic']);
    // A name given on purpose is looked for beside hoist, then in the working directory's own node_modules: not above.
    const error = await adapterChain({ plugins: ['hoist-adapter-planted'], pluginsFrom: from, clouds: [] }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`adapter hoist-adapter-planted: no such package in ${join(job, 'node_modules')} or ${join(process.cwd(), 'node_modules')}; npm install it beside hoist, or give a path`);
    // Outside any node_modules (the single-file build), the one beside it.
    expect(names(await adapterChain({ pluginsFrom: job, clouds: [] }))[0]).toBe('own');
  });

  it('loads a found package whose name reads like a file (hoist-adapter-nexus.js, as chart.js) from its package, never from the working directory', async () => {
    const root = join(dir, 'dotted');
    await installPackage(root, 'hoist-adapter-nexus.js', './lib/index.js', adapterModule('nexus', 'nexus.example'));
    await installPackage(root, '@a b/hoist-adapter-odd', './lib/index.js', adapterModule('odd', 'odd.example'));
    // A checkout that holds files of those names, as a path from the working directory would find them.
    const cwd = join(dir, 'dotted-checkout');
    await mkdir(join(cwd, '@a b'), { recursive: true });
    await writeFile(join(cwd, 'hoist-adapter-nexus.js'), 'throw new Error("checkout file loaded")');
    await writeFile(join(cwd, '@a b', 'hoist-adapter-odd'), 'throw new Error("checkout file loaded")');
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const chain = await adapterChain({ pluginsFrom: root, clouds: [] });
      expect(names(chain).slice(0, 2)).toEqual(['odd', 'nexus']);
      expect(chain.origins[1]).toMatchObject({ kind: 'found', file: join(root, 'node_modules', 'hoist-adapter-nexus.js', 'lib', 'index.js'), package: { name: 'hoist-adapter-nexus.js' } });
    } finally {
      process.chdir(before);
    }
  });

  it('defaultAdapters() without pluginsFrom looks beside @hoist/adapters, not in the working directory', async () => {
    const cwd = join(dir, 'checkout');
    await installPackage(cwd, 'hoist-adapter-in-checkout', './lib/index.js', 'throw new Error("checkout package loaded")');
    const before = process.cwd();
    process.chdir(cwd);
    try {
      expect((await defaultAdapters({ clouds: [] })).map((a) => a.name)).toEqual(['harbor', 'ghcr', 'quay', 'dockerhub', 'generic']);
    } finally {
      process.chdir(before);
    }
  });

  it('refuses a plugin that is missing, broken, exports no adapter or whose factory throws, in one line', async () => {
    const notAdapter = await module('not-adapter.mjs', `export default { name: 'half' };`);
    const broken = await module('broken.mjs', `export default {`);
    const throwing = await module('throwing.mjs', `export default () => { throw new Error('no token in HARBOR_TOKEN'); };`);
    const root = join(dir, 'broken-install');
    await installPackage(root, 'hoist-adapter-torn', './lib/index.js', adapterModule('torn', 't.example'));
    await writeFile(join(root, 'node_modules', 'hoist-adapter-torn', 'package.json'), '{"name": "hoist-adapter-torn",');
    const cases: [string, RegExp][] = [
      [join(dir, 'absent.mjs'), /absent\.mjs: no such module$/],
      ['hoist-adapter-absent', /^adapter hoist-adapter-absent: no such package in .*node_modules; npm install it beside hoist, or give a path$/],
      [notAdapter, /must export by default a registry adapter/],
      [broken, /could not be loaded: /],
      [throwing, /its factory failed: no token in HARBOR_TOKEN$/],
      ['hoist-adapter-torn', /^adapter hoist-adapter-torn: .*package\.json is not valid JSON; reinstall the package$/],
    ];
    for (const [spec, message] of cases) {
      const error = await adapterChain({ plugins: [spec], pluginsFrom: root, clouds: [] }).catch((e: unknown) => e);
      expect(isPushError(error) && error.code).toBe('USAGE');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('missingAdapterNotices', () => {
  const all = new Set(['@hoist/adapter-ecr', '@hoist/adapter-gcr', '@hoist/adapter-acr']);

  it('names the package for each cloud registry whose adapter is missing, once per registry', () => {
    const notices = missingAdapterNotices(['123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'europe-docker.pkg.dev', 'corp.azurecr.io', 'ghcr.io'], all);
    expect(notices).toHaveLength(3);
    expect(notices[0]).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com looks like Amazon ECR.*\(for its own: npm install --global \.\/hoist-adapter-ecr-\*\.tgz, which npm run release writes; @hoist\/adapter-ecr once published\)$/);
    expect(notices[1]).toContain('@hoist/adapter-gcr');
    expect(notices[2]).toContain('@hoist/adapter-acr');
  });

  it('says nothing for installed adapters or registries of no known cloud', () => {
    expect(missingAdapterNotices(['gcr.io', 'public.ecr.aws'], new Set(['@hoist/adapter-acr']))).toEqual([]);
    expect(missingAdapterNotices(['registry.example.com', 'docker.io'], all)).toEqual([]);
  });
});
