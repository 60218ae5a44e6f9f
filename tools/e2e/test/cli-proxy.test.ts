import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { startHttpProxy, startRegistry, type HttpProxy, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/** Corporate agents: a real proxy (tinyproxy) named by HTTPS_PROXY, and NO_PROXY around it. */
let proxy: HttpProxy;
let registry: TestRegistry;
let layout: string;

beforeAll(async () => {
  [proxy, registry] = await Promise.all([startHttpProxy(), startRegistry({ tls: true })]);
  layout = await tempDir();
  await makeImageLayout(layout, [16 * 1024]);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

describe('proxies', () => {
  it('HTTPS_PROXY: the push tunnels to the registry through the proxy (its log shows the CONNECT)', async () => {
    const run = await runHoist(['push', layout, `${registry.host}/proxied/app:v1`, '--ca-file', registry.caFile!], { env: { HTTPS_PROXY: proxy.url } });
    expect(run.code).toBe(0);
    expect(await proxy.connects()).toContain(registry.host);
  });

  it('NO_PROXY naming the registry goes around the proxy', async () => {
    const before = (await proxy.connects()).length;
    const run = await runHoist(['push', layout, `${registry.host}/direct/app:v1`, '--ca-file', registry.caFile!], {
      env: { https_proxy: proxy.url, NO_PROXY: '127.0.0.1' },
    });
    expect(run.code).toBe(0);
    expect((await proxy.connects()).length).toBe(before);
  });
});
