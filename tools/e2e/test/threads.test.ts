import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, tarOf, writeLegacyArchive } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from '@hoist/test-registry';
import { interrupt, startHoist, tempDir, waitFor } from './helpers.js';

/**
 * Compression runs on libuv's thread pool, which libuv sizes once, when it starts, at 4 threads
 * unless UV_THREADPOOL_SIZE says otherwise. The `hoist` launcher sets it before anything starts
 * the pool: to the agent's cores (4 at least), or to HOIST_THREADS. The proof is the process's
 * own thread count, read from /proc while a push that compressed a layer waits on the registry:
 * the pool's threads all start together, so two runs differ by exactly the difference in size.
 */
let registry: TestRegistry;
let proxy: FaultProxy;
let archive: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  archive = join(await tempDir(), 'image.tar');
  const layer = tarOf([{ name: 'etc/app.conf', content: Buffer.from('compressible text\n'.repeat(50_000)) }]);
  await writeLegacyArchive(archive, { config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }, layers: [{ name: 'l1/layer.tar', content: layer }] });
  // Every manifest PUT is held: the process is alive, its layer compressed, when the threads are counted.
  proxy.addRule({ method: 'PUT', path: /\/manifests\//, times: Infinity, action: { type: 'stall', ms: 60_000 } });
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

async function threadsWhileWaiting(env: Record<string, string>): Promise<number> {
  const mark = proxy.log.length;
  const hoist = await startHoist(['push', archive, `${proxy.host}/threads/app:1`], { env });
  try {
    await waitFor(() => proxy.log.slice(mark).some((r) => r.method === 'PUT' && r.path.includes('/manifests/')), 20_000);
    return (await readdir(`/proc/${hoist.child.pid}/task`)).length;
  } finally {
    await interrupt(hoist, 'SIGINT');
  }
}

describe('the compression thread pool', () => {
  it('is sized by HOIST_THREADS, and by the cores (4 at least) without it', async () => {
    const two = await threadsWhileWaiting({ HOIST_THREADS: '2' });
    const ten = await threadsWhileWaiting({ HOIST_THREADS: '10' });
    const byCores = await threadsWhileWaiting({});
    expect(ten - two).toBe(8);
    // This machine's cores, or libuv's 4 if it has fewer.
    const { availableParallelism } = await import('node:os');
    expect(byCores - two).toBe(Math.max(4, availableParallelism()) - 2);
  });

  it('is left as the user set it with UV_THREADPOOL_SIZE', async () => {
    const two = await threadsWhileWaiting({ HOIST_THREADS: '2' });
    expect((await threadsWhileWaiting({ UV_THREADPOOL_SIZE: '6', HOIST_THREADS: '12' })) - two).toBe(4);
  });
});
