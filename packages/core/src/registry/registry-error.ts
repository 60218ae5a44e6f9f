import { shown } from '../decode/index.js';
import { PushError, isRegistryErrorCode, type PushErrorCode } from '../errors.js';
import { readLimitedText, type TransportResponse } from './transport.js';

/**
 * Turns a failed registry response into a PushError, keeping the registry's own code and message
 * from its OCI error body (`{"errors":[{"code","message","detail"}]}`) when it sent one.
 */
const STATUS_CODES: Record<number, PushErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'DENIED',
  429: 'TOOMANYREQUESTS',
};

/** HEAD responses carry no body, so the status alone has to say what went wrong. */
const STATUS_MEANINGS: Record<number, string> = {
  401: 'the registry refused the credentials (or none were given)',
  403: 'access denied',
  404: 'not found',
  429: 'too many requests',
};

/**
 * A registry that quotes the request back (`refused the request you signed with Bearer eyJ…`)
 * would put a credential into hoist's error line; the message is also cut to a line's worth, so a
 * printer that masks the secrets it knows might find only half of one. The scheme says what follows.
 */
const QUOTED_CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

interface ErrorBody {
  errors?: { code?: unknown; message?: unknown }[];
}

export async function registryError(res: TransportResponse, action: string): Promise<PushError> {
  const text = await readLimitedText(res.body);
  let code: PushErrorCode = STATUS_CODES[res.status] ?? 'REGISTRY';
  let message = '';
  try {
    const first = (JSON.parse(text) as ErrorBody).errors?.[0];
    if (first && typeof first.code === 'string' && isRegistryErrorCode(first.code)) code = first.code;
    if (first && typeof first.message === 'string') message = first.message;
  } catch {
    // Not JSON: proxies and load balancers answer with HTML; the status says enough.
  }
  // The registry's words, cut to a line's worth (a body may hold 64 KiB of them); the detail keeps them whole, for adapters.
  const said = `: ${message ? shown(message.replace(QUOTED_CREDENTIAL, '$1 ***')) : (STATUS_MEANINGS[res.status] ?? 'unexpected answer')}`;
  // For a refused credential, who was refused says more than the registry's "authentication required".
  const explained = res.refusal && res.status === 401 ? `: ${res.refusal} (HTTP 401)` : `${said} (HTTP ${res.status})${res.refusal ? `: ${res.refusal}` : ''}`;
  return new PushError(code, `${action} failed: ${code === 'REGISTRY' ? 'registry' : code}${explained}`, {
    status: res.status,
    detail: message,
  });
}
