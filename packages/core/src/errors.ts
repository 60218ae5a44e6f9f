/**
 * Every failure hoist reports is a PushError with a stable `code`. Registry errors keep the code
 * the registry sent in its OCI error body (distribution spec, "Error Codes"); the rest are
 * hoist's own. The brand lets `isPushError` work across two installed copies of @hoist/core.
 */
const BRAND = Symbol.for('hoist.PushError');

/** Codes from the OCI distribution spec's error body. */
export const REGISTRY_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  // distribution's (and ECR's) code for a tag it will not accept.
  'TAG_INVALID',
] as const;

export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

export type HoistErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_SOURCE'
  | 'USAGE'
  | 'DIGEST_MISMATCH'
  | 'TLS'
  | 'NETWORK'
  | 'UNKNOWN_HOST'
  | 'TIMEOUT'
  | 'INSECURE_TRANSPORT'
  | 'PROTOCOL'
  | 'REGISTRY'
  /** The tag exists, names another manifest, and the registry keeps tags as they are. */
  | 'TAG_IMMUTABLE'
  /** hoist's own files (temporary, cache, result) could not be written: a full disk, a missing TMPDIR. */
  | 'LOCAL_FILES'
  | 'ABORTED';

export type PushErrorCode = RegistryErrorCode | HoistErrorCode;

/** The caller's mistake (exit 2) or a failure of the push itself (exit 1). */
export type PushErrorKind = 'usage' | 'push';

const USAGE_CODES: ReadonlySet<PushErrorCode> = new Set(['INVALID_REFERENCE', 'INVALID_SOURCE', 'USAGE', 'DIGEST_MISMATCH']);

export interface PushErrorOptions {
  /** HTTP status of the response that failed, when there was one. */
  status?: number;
  /** The registry's own message or detail, already free of secrets. */
  detail?: string;
  cause?: unknown;
}

export class PushError extends Error {
  readonly code: PushErrorCode;
  readonly status: number | undefined;
  readonly detail: string | undefined;
  readonly [BRAND] = true;

  constructor(code: PushErrorCode, message: string, options: PushErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PushError';
    this.code = code;
    this.status = options.status;
    this.detail = options.detail;
  }

  get kind(): PushErrorKind {
    return USAGE_CODES.has(this.code) ? 'usage' : 'push';
  }

  toJSON(): { code: PushErrorCode; message: string; status?: number } {
    return { code: this.code, message: this.message, ...(this.status === undefined ? {} : { status: this.status }) };
  }
}

/** Makes the error for one thing wrong with an input, prefixed with what the input is. */
export type Fail = (why: string) => PushError;

export function isPushError(value: unknown): value is PushError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export function isRegistryErrorCode(code: string): code is RegistryErrorCode {
  return (REGISTRY_ERROR_CODES as readonly string[]).includes(code);
}
