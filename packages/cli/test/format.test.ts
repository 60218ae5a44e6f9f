import { describe, expect, it } from 'vitest';
import { droppedLine, formatDuration, formatRate, jsonLine, linesOf, plural, printable, shortDigests } from '../src/format.js';

describe('printable', () => {
  it.each([
    ['plain text, unchanged', 'plain text, unchanged'],
    ['two\nlines\r', 'two\\nlines\\r'],
    ['\u001b[31mred\u001b[0m', '\\u001b[31mred\\u001b[0m'],
    ['bell\u0007 and del\u007f', 'bell\\u0007 and del\\u007f'],
    ['line\u2028separator', 'line\\u2028separator'],
    ['unicode stays: café ☕', 'unicode stays: café ☕'],
    ['evil\u202Egnp.exe and \u2066isolate\u2069', 'evil\\u202egnp.exe and \\u2066isolate\\u2069'],
  ])('%j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('leaves no bidirectional control in a JSON line', () => {
    const line = jsonLine({ source: 'a\u202Eb\u200Fc' });
    expect(line).toBe('{"source":"a\\u202eb\\u200fc"}');
    expect(JSON.parse(line)).toEqual({ source: 'a\u202Eb\u200Fc' });
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

describe('words for people', () => {
  it('count in the number the count takes', () => {
    expect([0, 1, 2].map((n) => plural(n, 'blob'))).toEqual(['0 blobs', '1 blob', '2 blobs']);
    expect(plural(1, 'more retry', 'more retries')).toBe('1 more retry');
    expect(plural(3, 'more retry', 'more retries')).toBe('3 more retries');
  });

  it('say a time left to the second, then to the minute, and a rate in binary units', () => {
    expect([400, 45_000, 200_000, 7_500_000].map(formatDuration)).toEqual(['1 s', '45 s', '3 min 20 s', '2 h 5 min']);
    expect(formatRate(18 * 1024 * 1024)).toBe('18.0 MiB/s');
  });

  it('shorten the digests in a line, except one that ends a reference', () => {
    const d = `sha256:${'0123456789abcdef'.repeat(4)}`;
    expect(shortDigests(`HEAD /v2/app/blobs/${d} after tag v1 of r/app already names ${d}`)).toBe('HEAD /v2/app/blobs/0123456789ab after tag v1 of r/app already names 0123456789ab');
    expect(shortDigests(`r/app@${d}`)).toBe(`r/app@${d}`);
    expect(shortDigests(`sha256:${'a'.repeat(63)} is no digest`)).toBe(`sha256:${'a'.repeat(63)} is no digest`);
  });
});
