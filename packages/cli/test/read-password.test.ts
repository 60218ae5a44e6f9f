import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readFirstLine } from '../src/read-password.js';

describe('readFirstLine', () => {
  it.each([
    [['pass\n'], 'pass'],
    [['pa', 'ss\r\nrest'], 'pass'],
    [['no newline at end'], 'no newline at end'],
    [[], ''],
    [['with spaces inside \n'], 'with spaces inside '],
  ])('%j → %j', async (chunks, expected) => {
    expect(await readFirstLine(Readable.from(chunks.map((c) => Buffer.from(c))))).toBe(expected);
  });
});
