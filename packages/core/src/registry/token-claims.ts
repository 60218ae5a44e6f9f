/**
 * What a bearer token says it grants. Token services that follow distribution's token spec
 * (distribution's own, Docker Hub, Harbor) issue a JWT whose `access` claim lists the actions
 * granted per repository, and grant less than was asked without saying no: a read-only user asking
 * for `pull,push` gets a token for `pull`. Reading the claim finds that before any upload.
 * Nothing here is trusted: anything that is not a JWT with a well-formed claim says nothing.
 */
const MAX_TOKEN_LENGTH = 64 * 1024;

/** The actions `token` grants on `repository`, or undefined when it does not say (opaque tokens, a claim of another shape). */
export function grantedActions(token: string | undefined, repository: string): string[] | undefined {
  const access = accessClaim(token);
  if (!access) return undefined;
  const actions: string[] = [];
  for (const entry of access) {
    if (!isRecord(entry) || entry['type'] !== 'repository' || entry['name'] !== repository) continue;
    const listed = entry['actions'];
    if (!Array.isArray(listed)) return undefined;
    actions.push(...listed.filter((a): a is string => typeof a === 'string'));
  }
  return actions;
}

function accessClaim(token: string | undefined): unknown[] | undefined {
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return isRecord(claims) && Array.isArray(claims['access']) ? claims['access'] : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
