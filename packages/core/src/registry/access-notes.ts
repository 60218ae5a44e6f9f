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

/** The repository the request's scopes name, and whether they ask to push there or only to pull. */
export function requestedAccess(scopes: readonly string[]): { repository?: string; action?: 'push' | 'pull' } {
  const parsed = scopes.map((s) => /^repository:(.+):([a-z,*]+)$/.exec(s)).filter((m) => m !== null);
  const push = parsed.find((m) => m[2]!.split(',').includes('push'));
  if (push) return { repository: push[1]!, action: 'push' };
  return parsed[0] ? { repository: parsed[0][1]!, action: 'pull' } : {};
}

/** `push to team/app`, `pull from team/app`: what the request's scopes asked for. */
export function wantedAccess(scopes: readonly string[]): string {
  const { repository, action } = requestedAccess(scopes);
  if (!repository) return 'access';
  return action === 'push' ? `push to ${repository}` : `pull from ${repository}`;
}

/**
 * The note for a 401 or 403 the registry answered to a request signed with `credential`;
 * `accepted` when the credentials were taken (a token was issued, or the registry said 403).
 */
export function refusalNote(host: string, scopes: readonly string[], credential: Credential | undefined, accepted: boolean): string {
  const wanted = wantedAccess(scopes);
  if (!credential) return `${host} wants credentials for ${wanted} and none were found for it: ${noCredentialsHint(host)}`;
  const who = credentialOwner(credential);
  if (accepted) return `the credentials of ${who} were accepted by ${host} but do not allow ${wanted}`;
  return `${host} refused the credentials of ${who}`;
}
