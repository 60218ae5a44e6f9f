import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBlobLocationsFile, fileBlobLocations } from '../src/push/blob-locations.js';

const digest = `sha256:${'d'.repeat(64)}`;

describe('blob locations cache', () => {
  it('remembers repositories per registry across runs, newest first, in a private file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'hoist-cache-')), 'nested', 'locations.json');
    const first = await fileBlobLocations(file);
    first.remember('r.io', 'team/a', digest);
    first.remember('q.io', 'team/x', digest);
    first.remember('r.io', 'team/b', digest);
    await first.save();

    const second = await fileBlobLocations(file);
    expect(second.lookup('r.io', digest)).toEqual(['team/b', 'team/a']);
    expect(second.lookup('q.io', digest)).toEqual(['team/x']);
    expect(second.lookup('r.io', `sha256:${'e'.repeat(64)}`)).toEqual([]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('starts afresh from a damaged file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-cache-'));
    const file = join(dir, 'locations.json');
    await (await import('node:fs/promises')).writeFile(file, '{not json');
    const cache = await fileBlobLocations(file);
    expect(cache.lookup('r.io', digest)).toEqual([]);
    cache.remember('r.io', 'a', digest);
    await cache.save();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ [digest]: ['r.io/a'] });
  });

  it('lives under XDG_CACHE_HOME when set', () => {
    expect(defaultBlobLocationsFile({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/hoist/blob-locations.json');
  });
});
