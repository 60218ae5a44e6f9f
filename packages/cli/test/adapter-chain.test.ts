import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterChain } from '../src/adapter-chain.js';
import { KNOWN_CLOUD_ADAPTERS, missingAdapterNotices, type KnownAdapter } from '../src/known-adapters.js';
import { UsageError } from '../src/usage-error.js';

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

/** The ECR entry of the known adapters, as if `name` could not be found when it loads. */
const ecrWithout = (name: string): KnownAdapter => ({
  ...KNOWN_CLOUD_ADAPTERS.find((k) => k.package === '@hoist/adapter-ecr')!,
  load: async () => {
    throw Object.assign(new Error(`Cannot find package '${name}' imported from /x/adapter-chain.js`), { code: 'ERR_MODULE_NOT_FOUND' });
  },
});

describe('adapterChain', () => {
  it('loads every installed cloud adapter before Docker Hub and the generic catch-all', async () => {
    const { adapters, missing } = await adapterChain({ generic: {}, createRepository: false });
    expect(adapters.map((a) => a.name)).toEqual(['ecr', 'gcr', 'acr', 'dockerhub', 'generic']);
    expect(missing.size).toBe(0);
  });

  it('records a cloud adapter that is not installed and goes on without it', async () => {
    const { adapters, missing } = await adapterChain({ generic: {}, createRepository: false }, [ecrWithout('@hoist/adapter-ecr')]);
    expect(adapters.map((a) => a.name)).toEqual(['dockerhub', 'generic']);
    expect([...missing]).toEqual(['@hoist/adapter-ecr']);
  });

  it('fails loudly when an installed adapter cannot load one of its own dependencies', async () => {
    const broken = adapterChain({ generic: {}, createRepository: false }, [ecrWithout('@aws-sdk/client-ecr')]);
    await expect(broken).rejects.toThrow(/@aws-sdk\/client-ecr/);
  });

  it('puts --adapter modules first, whether they export an adapter or a factory', async () => {
    const object = await module('object.mjs', `export default { name: 'in-house', matches: (r) => r === 'reg.corp', resolveCredentials: async () => undefined, capabilities: () => ({ upload: 'monolithic', mount: false }) };`);
    const factory = await module('factory.mjs', `export default async () => ({ name: 'factory', matches: () => false, resolveCredentials: async () => undefined, capabilities: () => ({ upload: 'chunked', mount: true }) });`);
    const { adapters } = await adapterChain({ generic: {}, createRepository: false, custom: [object, factory] }, []);
    expect(adapters.map((a) => a.name)).toEqual(['in-house', 'factory', 'dockerhub', 'generic']);
  });

  it('refuses an --adapter path that is missing, broken or exports no adapter, in one line', async () => {
    const notAdapter = await module('not-adapter.mjs', `export default { name: 'half' };`);
    const broken = await module('broken.mjs', `export default {`);
    const cases: [string, RegExp][] = [
      [join(dir, 'absent.mjs'), /absent\.mjs: no such module$/],
      [notAdapter, /must export by default a registry adapter/],
      [broken, /could not be loaded: /],
    ];
    for (const [path, message] of cases) {
      const error = await adapterChain({ generic: {}, createRepository: false, custom: [path] }, []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
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
    expect(notices[0]).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com looks like Amazon ECR.*npm install @hoist\/adapter-ecr/);
    expect(notices[1]).toContain('@hoist/adapter-gcr');
    expect(notices[2]).toContain('@hoist/adapter-acr');
  });

  it('says nothing for installed adapters or registries of no known cloud', () => {
    expect(missingAdapterNotices(['gcr.io', 'public.ecr.aws'], new Set(['@hoist/adapter-acr']))).toEqual([]);
    expect(missingAdapterNotices(['registry.example.com', 'docker.io'], all)).toEqual([]);
  });
});
