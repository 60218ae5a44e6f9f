import type { Credential } from '../adapter.js';

/**
 * What a user reads when a registry says no: whose credentials it refused and where hoist found
 * them (never the secret), or that none were found and how to give some; and, when the
 * credentials were accepted but the request still refused, what they did not allow.
 */
export function credentialOwner(credential: Credential): string {
  const from = credential.source === undefined ? '' : ` from ${credential.source}`;
  if (credential.kind === 'basic') return `user "${credential.username}"${from}`;
  return `the ${credential.kind === 'bearer' ? 'bearer' : 'identity'} token${from}`;
}

export function noCredentialsHint(host: string): string {
  return `run hoist login ${host}, or pass --username with --password-env VAR`;
}

/** `push to team/app`, `pull from team/app`: what the request's scopes asked for. */
export function wantedAccess(scopes: readonly string[]): string {
  const parsed = scopes.map((s) => /^repository:(.+):([a-z,*]+)$/.exec(s)).filter((m) => m !== null);
  const push = parsed.find((m) => m[2]!.split(',').includes('push'));
  if (push) return `push to ${push[1]}`;
  return parsed[0] ? `pull from ${parsed[0][1]}` : 'access';
}

/** The note for a 401 or 403 the registry answered to a request signed with `credential`. */
export function refusalNote(host: string, status: number, scopes: readonly string[], credential: Credential | undefined, tokenGranted: boolean): string {
  const wanted = wantedAccess(scopes);
  if (!credential) return `${host} wants credentials for ${wanted} and none were found for it: ${noCredentialsHint(host)}`;
  const who = credentialOwner(credential);
  // A token service that issued a token accepted the credentials; so did a registry that says 403.
  if (status === 403 || tokenGranted) return `the credentials of ${who} were accepted by ${host} but do not allow ${wanted}`;
  return `${host} refused the credentials of ${who}`;
}
