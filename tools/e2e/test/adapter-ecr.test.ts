import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapterConformance, memoryImage } from '@hoist/adapter-testkit';
import { ecrAdapter, type EcrAdapterOptions } from '@hoist/adapter-ecr';
import { memoryBlobLocations, parseReference, pushImage, type ImageSource } from '@hoist/core';
import { makeImageLayout, skopeoRawManifest } from '@hoist/test-images';
import { createTestCa, issueServerCert, startFakeEcr, startFaultProxy, startRegistry, type FaultProxy } from '@hoist/test-registry';
import { loopbackLookup, runHoist, tempDir } from './helpers.js';
import { CREDENTIAL_LIFETIME_S, pushOutlivingCredentials } from './outliving-push.js';

/**
 * The ECR adapter with the real @aws-sdk/client-ecr, pointed at a loopback stand-in for the ECR
 * API; the registry behind is a real distribution registry that accepts exactly the token the
 * stand-in hands out, reached under an ECR host name resolved to loopback.
 */
const ECR_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const TOKEN_PASSWORD = 'ecr-token-password-1';
const AWS_CREDENTIALS = { accessKeyId: 'AKIAHOISTTEST', secretAccessKey: 'hoist-test-secret-key' };

const ecrToLoopback = loopbackLookup([ECR_HOST]);

async function ecrWorld(password = TOKEN_PASSWORD) {
  const [registry, fake] = await Promise.all([startRegistry({ auth: 'htpasswd', tls: true, users: { AWS: TOKEN_PASSWORD }, dnsNames: [ECR_HOST] }), startFakeEcr({ password })]);
  const port = registry.host.split(':')[1]!;
  return { registry, fake, name: `${ECR_HOST}:${port}`, adapter: ecrAdapter({ clientConfig: { endpoint: fake.url, credentials: AWS_CREDENTIALS } }) };
}

/**
 * The kit's registry answers as ECR does, behind a TLS fault proxy under the ECR name:
 * NAME_UNKNOWN for conformance/created until CreateRepository, and tag v1 of
 * conformance/frozen kept once it exists (ECR's refusal, word for word).
 */
describeAdapterConformance('ecr', {
  adapter: ecrAdapter(),
  ownedHosts: [ECR_HOST, 'public.ecr.aws', '210987654321.dkr.ecr-fips.us-gov-west-1.amazonaws.com', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'],
  foreignHosts: ['docker.io', 'ghcr.io', 'dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example'],
  async endToEnd() {
    let unknown = () => {};
    const world = await ecrBehindFaultProxy(() => unknown());
    unknown = world.proxy.addRule(nameUnknownFor('conformance/created'));
    world.proxy.addRule({ ...immutableTag('conformance/frozen'), skip: 1 });
    const refused = await startFakeEcr({ password: 'refused-ecr-password' });
    const adapter = (endpoint: string) => ecrAdapter({ clientConfig: { endpoint, credentials: AWS_CREDENTIALS }, createRepository: {} });
    return {
      registry: world.name,
      adapter: adapter(world.fake.url),
      pushOptions: world.pushOptions,
      readManifest: (repository, tag) => skopeoRawManifest(`${world.plain.host}/${repository}:${tag}`, { username: 'AWS', password: TOKEN_PASSWORD }),
      accessLog: () => world.plain.accessLog(),
      refused: { adapter: adapter(refused.url), secret: 'refused-ecr-password' },
      missingRepository: 'conformance/created',
      immutableRepository: 'conformance/frozen',
      close: async () => {
        await Promise.all([world.close(), refused.close()]);
      },
    };
  },
});

describe('ECR adapter', () => {
  let world: Awaited<ReturnType<typeof ecrWorld>>;
  beforeAll(async () => {
    world = await ecrWorld();
  });
  afterAll(async () => {
    await Promise.all([world?.registry.stop(), world?.fake.close()]);
  });

  it('signs GetAuthorizationToken with the AWS credentials and caches the token for half its life', async () => {
    let now = Date.now();
    const adapter = ecrAdapter({ clientConfig: { endpoint: world.fake.url, credentials: AWS_CREDENTIALS }, now: () => now });
    const before = world.fake.calls.length;
    const asked = Date.now();
    const first = await adapter.resolveCredentials(world.name, {});
    expect(first).toEqual({
      kind: 'basic',
      source: 'the AWS SDK (ECR GetAuthorizationToken)',
      username: 'AWS',
      password: TOKEN_PASSWORD,
      // ECR's expiresAt, twelve hours on (to the second).
      expiresAt: expect.toSatisfy((at: number) => at >= asked + 12 * 3_600_000 - 1000 && at <= Date.now() + 12 * 3_600_000),
    });
    now += 5 * 3_600_000;
    await adapter.resolveCredentials(world.name, {});
    const calls = world.fake.calls.slice(before);
    expect(calls).toEqual([{ operation: 'GetAuthorizationToken', accessKeyId: 'AKIAHOISTTEST', body: { registryIds: ['123456789012'] } }]);
    now += 2 * 3_600_000; // past half of the 12 h life
    await adapter.resolveCredentials(world.name, {});
    expect(world.fake.calls.slice(before).map((c) => c.operation)).toEqual(['GetAuthorizationToken', 'GetAuthorizationToken']);
  });

  it('asks ECR anew, whatever its cache holds, when core says the token it holds is expiring or was refused', async () => {
    const adapter = ecrAdapter({ clientConfig: { endpoint: world.fake.url, credentials: AWS_CREDENTIALS } });
    const before = world.fake.calls.length;
    await adapter.resolveCredentials(world.name, {});
    await adapter.resolveCredentials(world.name, {});
    await adapter.resolveCredentials(world.name, { refresh: 'expiring' });
    await adapter.resolveCredentials(world.name, { refresh: 'refused' });
    expect(world.fake.calls.slice(before).map((c) => c.operation)).toEqual(['GetAuthorizationToken', 'GetAuthorizationToken', 'GetAuthorizationToken']);
  });

});

describe('hoist push to ECR from the CLI, with only the usual AWS environment', () => {
  it('pushes, one line of output per event and no SDK notices, no secret printed', async () => {
    const world = await ecrWorld();
    try {
      const layout = await tempDir();
      await makeImageLayout(layout, [8 * 1024]);
      const run = await runHoist(['push', layout, `${world.name}/team/cli:v1`, '--resolve', `${ECR_HOST}:127.0.0.1`, '--ca-file', world.registry.caFile!], {
        env: {
          AWS_ACCESS_KEY_ID: AWS_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: AWS_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_ECR: world.fake.url,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      });
      expect(run.code).toBe(0);
      expect(run.stderr).not.toMatch(/Warning|NodeVersionSupport/);
      for (const secret of [TOKEN_PASSWORD, AWS_CREDENTIALS.secretAccessKey]) expect(run.stdout + run.stderr).not.toContain(secret);
      expect(world.fake.calls.map((c) => c.operation)).toContain('GetAuthorizationToken');
      expect(await skopeoRawManifest(`${world.registry.host}/team/cli:v1`, { caFile: world.registry.caFile!, username: 'AWS', password: TOKEN_PASSWORD })).toBeDefined();
    } finally {
      await Promise.all([world.registry.stop(), world.fake.close()]);
    }
  });
});

describe('hoist push to ECR with credentials other than the AWS chain', () => {
  // No AWS credentials anywhere; the metadata endpoint is switched off, so the SDK's chain ends
  // here, and its ECR endpoint is the stand-in, which must see no call.
  const noAws = () => ({ AWS_ENDPOINT_URL_ECR: world.fake.url, AWS_EC2_METADATA_DISABLED: 'true' });
  let world: Awaited<ReturnType<typeof ecrWorld>>;
  let layout: string;
  beforeAll(async () => {
    world = await ecrWorld();
    layout = await tempDir();
    await makeImageLayout(layout, [8 * 1024]);
  });
  afterAll(async () => Promise.all([world?.registry.stop(), world?.fake.close()]));
  const args = (tag: string) => ['push', layout, `${world.name}/team/given:${tag}`, '--resolve', `${ECR_HOST}:127.0.0.1`, '--ca-file', world.registry.caFile!];

  it('uses --username/--password-stdin before asking AWS for a token', async () => {
    const run = await runHoist([...args('flags'), '-u', 'AWS', '--password-stdin'], { stdin: `${TOKEN_PASSWORD}\n`, env: noAws() });
    expect(run.code, run.stderr).toBe(0);
    expect(world.fake.calls).toEqual([]);
  });

  it('falls back on a docker login when the AWS chain finds no credentials, and says so when there is none', async () => {
    const none = await runHoist(args('login'), { env: noAws() });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no AWS credentials found');

    const config = join(await tempDir(), '.docker');
    await mkdir(config);
    await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [world.name]: { auth: Buffer.from(`AWS:${TOKEN_PASSWORD}`).toString('base64') } } }));
    const run = await runHoist(args('login'), { env: { ...noAws(), DOCKER_CONFIG: config } });
    expect(run.code, run.stderr).toBe(0);
    expect(world.fake.calls).toEqual([]);
    expect(await skopeoRawManifest(`${world.registry.host}/team/given:login`, { caFile: world.registry.caFile!, username: 'AWS', password: TOKEN_PASSWORD })).toBeDefined();
  });
});

/**
 * ECR's registry behaviours that distribution lacks (NAME_UNKNOWN until CreateRepository,
 * immutable tags) come from a TLS fault proxy under the ECR name, in front of a real registry.
 */
async function ecrBehindFaultProxy(onCreateRepository?: (repository: string, proxy: FaultProxy) => void) {
  const certs = await createTestCa(await tempDir());
  const plain = await startRegistry({ auth: 'htpasswd', users: { AWS: TOKEN_PASSWORD } });
  const proxy = await startFaultProxy(plain.host, { tls: await issueServerCert(certs, 'proxy', [ECR_HOST]) });
  const fake = await startFakeEcr({ password: TOKEN_PASSWORD, ...(onCreateRepository ? { onCreateRepository: (repository: string) => onCreateRepository(repository, proxy) } : {}) });
  const name = `${ECR_HOST}:${proxy.host.split(':')[1]}`;
  const pushOptions = { tls: { caFiles: [certs.caCert] }, lookup: ecrToLoopback };
  return {
    plain,
    proxy,
    fake,
    name,
    pushOptions,
    push: (source: ImageSource, repositories: string[], options: { createRepository?: EcrAdapterOptions['createRepository'] } = {}) =>
      pushImage({
        source,
        destinations: repositories.map((r) => parseReference(`${name}/${r}:v1`)),
        adapters: [ecrAdapter({ clientConfig: { endpoint: fake.url, credentials: AWS_CREDENTIALS }, ...(options.createRepository ? { createRepository: options.createRepository } : {}) })],
        blobLocations: memoryBlobLocations(),
        ...pushOptions,
      }),
    readV1: (repository: string) => skopeoRawManifest(`${plain.host}/${repository}:v1`, { username: 'AWS', password: TOKEN_PASSWORD }),
    close: async () => {
      await Promise.all([proxy.close(), fake.close(), plain.stop()]);
    },
  };
}

const immutableTag = (repository: string) => ({
  method: 'PUT',
  path: new RegExp(`^/v2/${repository}/manifests/v1$`),
  times: Infinity,
  action: {
    type: 'status' as const,
    status: 400,
    body: JSON.stringify({ errors: [{ code: 'TAG_INVALID', message: `The image tag 'v1' already exists in the '${repository}' repository and cannot be overwritten because the tag is immutable.` }] }),
  },
});

const nameUnknownFor = (repository: string) => ({
  method: 'POST',
  path: new RegExp(`^/v2/${repository}/blobs/uploads/`),
  times: Infinity,
  action: { type: 'status' as const, status: 404, body: JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'The repository does not exist in the registry' }] }) },
});

describe('ECR repositories that do not exist yet', () => {
  let world: Awaited<ReturnType<typeof ecrBehindFaultProxy>>;
  beforeAll(async () => {
    world = await ecrBehindFaultProxy((_repository, proxy) => proxy.clearRules());
    world.proxy.addRule(nameUnknownFor('team/new-repo'));
  });
  afterAll(async () => world?.close());

  it('without --create-repository, the push fails with NAME_UNKNOWN and creates nothing', async () => {
    await expect(world.push(memoryImage(), ['team/new-repo'])).rejects.toMatchObject({ code: 'NAME_UNKNOWN' });
    expect(world.fake.calls.filter((c) => c.operation === 'CreateRepository')).toEqual([]);
  });

  it('with it, CreateRepository is called once with the options, and the push lands', async () => {
    const image = memoryImage();
    const result = await world.push(image, ['team/new-repo'], { createRepository: { imageTagMutability: 'IMMUTABLE', scanOnPush: true } });
    expect(result.digest).toBe(image.root.digest);
    expect(world.fake.calls.filter((c) => c.operation === 'CreateRepository')).toEqual([
      expect.objectContaining({ body: { registryId: '123456789012', repositoryName: 'team/new-repo', imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } } }),
    ]);
    expect(await world.readV1('team/new-repo')).toEqual(image.manifestBytes);
  });
});

describe('ECR: two new repositories in one push', () => {
  it('creates each, including the one whose blobs come second', async () => {
    const created = new Set<string>();
    // Each repository stops being unknown only once it is created.
    const world = await ecrBehindFaultProxy((repository, proxy) => {
      created.add(repository);
      proxy.clearRules();
      for (const other of ['team/first', 'team/second'].filter((r) => !created.has(r))) proxy.addRule(nameUnknownFor(other));
    });
    world.proxy.addRule(nameUnknownFor('team/first'));
    world.proxy.addRule(nameUnknownFor('team/second'));
    try {
      const image = memoryImage();
      await world.push(image, ['team/first', 'team/second'], { createRepository: {} });
      expect([...created].sort()).toEqual(['team/first', 'team/second']);
      for (const repository of ['team/first', 'team/second']) expect(await world.readV1(repository)).toEqual(image.manifestBytes);
    } finally {
      await world.close();
    }
  });
});

describe('ECR Public', () => {
  it('authenticates through the ECR Public API and pushes to public.ecr.aws', async () => {
    const [registry, fake] = await Promise.all([
      startRegistry({ auth: 'htpasswd', tls: true, users: { AWS: TOKEN_PASSWORD }, dnsNames: ['public.ecr.aws'] }),
      startFakeEcr({ password: TOKEN_PASSWORD }),
    ]);
    try {
      const image = memoryImage();
      await pushImage({
        source: image,
        destinations: [parseReference(`public.ecr.aws:${registry.host.split(':')[1]}/team/app:v1`)],
        adapters: [ecrAdapter({ clientConfig: { endpoint: fake.url, credentials: AWS_CREDENTIALS } })],
        blobLocations: memoryBlobLocations(),
        tls: { caFiles: [registry.caFile!] },
        lookup: loopbackLookup(['public.ecr.aws']),
      });
      expect(fake.calls.map((c) => c.operation)).toEqual(['public:GetAuthorizationToken']);
      expect(await skopeoRawManifest(`${registry.host}/team/app:v1`, { caFile: registry.caFile!, username: 'AWS', password: TOKEN_PASSWORD })).toEqual(image.manifestBytes);
    } finally {
      await Promise.all([registry.stop(), fake.close()]);
    }
  });
});

describe('ECR tokens that expire during a push', () => {
  it.each([
    // Renewed before it expires, mostly; an upload signed late in a token's life and held on its way is refused, and renewed then.
    { tokens: 'say when they expire', claims: {}, renewedBeforeExpiry: true },
    // Only a refusal tells: each renewal follows a 401, and must get past the adapter's cache (half of twelve hours).
    { tokens: 'claim twelve hours and are refused after two seconds', claims: { claimedLifetimeSeconds: 12 * 3600 }, renewedBeforeExpiry: false },
  ])('a push longer than three token lives lands, with a token asked for once per life, not per request: tokens $tokens', async ({ claims, renewedBeforeExpiry }) => {
    const fake = await startFakeEcr({ password: 'ecr-rotating-password', passwordPerToken: true, tokenLifetimeSeconds: CREDENTIAL_LIFETIME_S, ...claims });
    try {
      const adapter = ecrAdapter({ clientConfig: { endpoint: fake.url, credentials: AWS_CREDENTIALS } });
      const push = await pushOutlivingCredentials(ECR_HOST, adapter, (username, password) => username === 'AWS' && fake.isLive(password));
      expect(push.ms).toBeGreaterThan(3 * CREDENTIAL_LIFETIME_S * 1000);
      expect(push.digests.pushed).toBe(push.digests.written);
      expect(push.digests.stored).toBe(push.digests.written);
      const tokens = fake.calls.filter((c) => c.operation === 'GetAuthorizationToken').length;
      const refused = push.judged.filter((j) => !j.admitted).length;
      expect(tokens).toBeGreaterThanOrEqual(3);
      expect(tokens).toBeLessThan(push.judged.length / 2);
      if (renewedBeforeExpiry) expect(refused).toBeLessThan(tokens - 1);
      else expect(refused).toBeGreaterThanOrEqual(tokens - 1);
    } finally {
      await fake.close();
    }
  });
});
