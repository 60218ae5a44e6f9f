/**
 * When an ACR refresh token stops working: /oauth2/exchange answers with the token alone, a JWT
 * whose `exp` (seconds) is its end, three hours on (Azure's own SDKs read it the same way).
 * Only the date is read, and nothing is trusted: a token that is no JWT, or has no usable `exp`,
 * says nothing, and core renews it only when the registry refuses it.
 */
export function refreshTokenExpiry(token: string): number | undefined {
  const claims = token.split('.')[1];
  if (!claims || !/^[A-Za-z0-9_-]+$/.test(claims)) return undefined;
  try {
    const exp: unknown = (JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
