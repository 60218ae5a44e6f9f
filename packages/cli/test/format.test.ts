import { describe, expect, it } from 'vitest';
import { droppedLine, linesOf, printable } from '../src/format.js';

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

describe('linesOf, the one way reporters and verbs print', () => {
  it('escapes every line, and every JSON value down to C1 controls, still valid JSON', () => {
    const written: string[] = [];
    const lines = linesOf({ out: (l) => written.push(`out ${l}`), err: (l) => written.push(`err ${l}`) });
    lines.out('tag x\nhoist: pushed OK');
    lines.err('type application/x\u001b[2J');
    lines.json({ tag: 'a\u001b\u009b\u2028b' });
    expect(written).toEqual(['out tag x\\nhoist: pushed OK', 'err type application/x\\u001b[2J', 'out {"tag":"a\\u001b\\u009b\\u2028b"}']);
    expect(JSON.parse(written[2]!.slice(4))).toEqual({ tag: 'a\u001b\u009b\u2028b' });
  });

  it('names what was left out, the first three of it', () => {
    expect(droppedLine('r/app', 'names that are not tags', ['a', 'b', 'c', 'd'])).toBe('hoist: warning: r/app: 4 names that are not tags left out: "a", "b", "c" and 1 more');
  });
});
