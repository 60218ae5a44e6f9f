import { PushError, type PushErrorCode } from '../errors.js';

/** Why a document or a value from outside is not what it must be; the caller says whose it is. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** `decode(…)`, its DecodeError turned into a PushError of `code` that starts with `what`. */
export function decodeAs<T>(code: PushErrorCode, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) throw new PushError(code, `${what}: ${error.message}`);
    throw error;
  }
}

/**
 * How deep a document from outside may nest. Real ones nest a handful of levels (an index's
 * descriptor's platform's os.features); a registry's config of 200000 nested objects parses,
 * but JSON.stringify (inspect --json, an annotated or filtered manifest, a referrers index
 * written back) then overflows the stack, an "unexpected failure" instead of a refusal.
 */
export const MAX_JSON_DEPTH = 64;

/** JSON text as a value, or a DecodeError saying it is not JSON (`what`: "manifest sha256:…"). */
export function parseJson(bytes: Buffer | string, what: string): unknown {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw new DecodeError(`${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new DecodeError(`${what} is not valid JSON`);
  }
}

/** The deepest nesting of `[` and `{` in JSON text, strings skipped (it stops counting past the limit). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length && deepest <= MAX_JSON_DEPTH; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Past the string, escapes included; an unterminated one is JSON.parse's to refuse.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      deepest = Math.max(deepest, ++depth);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** `value` as a JSON object (not null, not a list), or a DecodeError. */
export function jsonObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DecodeError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** How a rejected value is named in a message: a string as it is (the printer escapes it), anything else as JSON. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
