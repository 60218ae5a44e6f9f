import { describe, expect, it } from 'vitest';
import { printable } from '../src/format.js';

describe('printable', () => {
  it.each([
    ['plain text, unchanged', 'plain text, unchanged'],
    ['two\nlines\r', 'two\\nlines\\r'],
    ['\u001b[31mred\u001b[0m', '\\u001b[31mred\\u001b[0m'],
    ['bell\u0007 and del\u007f', 'bell\\u0007 and del\\u007f'],
    ['line\u2028separator', 'line\\u2028separator'],
    ['unicode stays: café ☕', 'unicode stays: café ☕'],
  ])('%j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });
});
