/** Sizes in binary units, as registries and `docker images` print them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A rate in the same units, per second: `18.0 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** A time left, to the second below a minute, to the minute below an hour: `45 s`, `3 min 20 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `1 layer`, `2 layers`: a count and its noun in the number the count takes. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** `sha256:0123456789ab…` → `0123456789ab`: enough to tell layers apart in progress lines. */
export function shortDigest(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

/** A digest in text from core (a request's path, an error), not one that ends a `name@` reference. */
const DIGEST_IN_TEXT = /(?<!@)\bsha(?:256:[0-9a-f]{64}|512:[0-9a-f]{128})\b/g;

/**
 * Every digest in a line for people made short, as in the progress lines: 64 hex digits hide
 * what the line says. A reference `name@sha256:…` keeps its digest whole, to be copied and used;
 * so do `--json`, the result files and the closing `digest:` line.
 */
export function shortDigests(text: string): string {
  return text.replace(DIGEST_IN_TEXT, shortDigest);
}

/**
 * Text from outside (a registry's error message, a ref name from an index.json, a header value)
 * as one printable line: line breaks and control characters, escape sequences included, are
 * shown escaped, so nothing a source or a registry sends can forge a line such as
 * `hoist: pushed OK` or rewrite the terminal. So are the bidirectional controls (U+202E and
 * kin), which would show the rest of a line reversed in a log viewer.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this finds
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * A JSON line whose every character is printable: JSON.stringify escapes C0 controls already;
 * C1 controls (U+0080–U+009F, which some terminals read as ESC sequences) and the line
 * separators U+2028/2029 and the bidirectional controls it leaves as they are, so they are
 * escaped here. Still valid JSON.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Where lines go: an Output, or anything with its two line writers. */
interface LineSink {
  out(line: string): void;
  err(line: string): void;
}

/**
 * The one way the reporters and the verbs print: every line made printable (text from outside
 * in it, a tag, a registry's message, an annotation, cannot break it or forge another) and every
 * JSON value through jsonLine. Only the live progress display and `inspect --raw` write raw, and
 * they write nothing from outside unescaped.
 */
export interface Lines {
  out(line: string): void;
  err(line: string): void;
  json(value: unknown): void;
}

export function linesOf(output: LineSink): Lines {
  return {
    out: (line) => output.out(printable(line)),
    err: (line) => output.err(printable(line)),
    json: (value) => output.out(jsonLine(value)),
  };
}

/** How many of `what` a registry sent that were left out, with the first few (each escaped when printed). */
export function droppedLine(where: string, what: string, dropped: readonly string[]): string {
  const shown = dropped.slice(0, 3).map((d) => `"${d}"`).join(', ');
  const more = dropped.length > 3 ? ` and ${dropped.length - 3} more` : '';
  return `hoist: warning: ${where}: ${dropped.length} ${what} left out: ${shown}${more}`;
}
