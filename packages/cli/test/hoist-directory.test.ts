import { afterEach, describe, expect, it } from 'vitest';
import { hoistDirectory } from '../src/hoist-directory.js';

const script = process.argv[1];
afterEach(() => {
  process.argv[1] = script!;
});

describe('hoistDirectory', () => {
  it('is the running script\'s directory', () => {
    process.argv[1] = '/nowhere/../tmp';
    expect(hoistDirectory()).toBe('/');
  });

  it('is none, never the working directory, when there is no script to follow (node -e, an embedding)', () => {
    // The working directory's node_modules is a checkout's: it must not be searched unasked.
    process.argv.splice(1, 1);
    expect(hoistDirectory()).toBe(false);
    process.argv.splice(1, 0, '/no/such/script.cjs');
    expect(hoistDirectory()).toBe(false);
  });
});
