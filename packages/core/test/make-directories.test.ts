import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectories } from '../src/make-directories.js';

describe('makeDirectories', () => {
  it('makes every missing level with the mode asked, and takes a directory that is there', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hoist-mkdirs-'));
    await makeDirectories(join(root, 'a', 'b', 'c'), 0o700);
    expect((await stat(join(root, 'a', 'b', 'c'))).mode & 0o777).toBe(0o700);
    await expect(makeDirectories(join(root, 'a', 'b'))).resolves.toBeUndefined();
  });

  it('answers with the first refusal: a file in the way, a parent under /proc', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hoist-mkdirs-'));
    await writeFile(join(root, 'file'), '');
    await expect(makeDirectories(join(root, 'file', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    // Node's own recursive mkdir never returns here.
    await expect(makeDirectories('/proc/hoist-no-such/x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
