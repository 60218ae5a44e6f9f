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

/** JSON text as a value, or a DecodeError saying it is not JSON (`what`: "manifest sha256:…"). */
export function parseJson(bytes: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    throw new DecodeError(`${what} is not valid JSON`);
  }
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
