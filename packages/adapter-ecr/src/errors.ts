import { PushError, type PushErrorCode, type RegistryRefusal } from '@hoist/core';

/**
 * AWS SDK errors mapped into core's codes, keeping the AWS error name as detail (Prisma's
 * driver-adapter pattern). Messages say what failed and the AWS name, never the SDK's own text,
 * which can hold request identifiers and ARNs a pipeline log need not carry.
 */
const CODES: Record<string, PushErrorCode> = {
  UnrecognizedClientException: 'UNAUTHORIZED',
  InvalidSignatureException: 'UNAUTHORIZED',
  ExpiredTokenException: 'UNAUTHORIZED',
  CredentialsProviderError: 'UNAUTHORIZED',
  AccessDeniedException: 'DENIED',
  RepositoryNotFoundException: 'NAME_UNKNOWN',
  ThrottlingException: 'TOOMANYREQUESTS',
  LimitExceededException: 'TOOMANYREQUESTS',
  InvalidParameterException: 'USAGE',
};

export function ecrError(error: unknown, action: string): PushError {
  if (error instanceof PushError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const code = CODES[name] ?? (status !== undefined && status >= 500 ? 'REGISTRY' : 'NETWORK');
  const hint = name === 'CredentialsProviderError' ? ' (no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or a role)' : '';
  return new PushError(code, `${action} failed: ${name}${hint}`, { detail: name, ...(status === undefined ? {} : { status }), cause: error });
}

/**
 * ECR's refusal of a tag PUT in a repository with immutable tags: HTTP 400, TAG_INVALID, "The
 * image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because
 * the tag is immutable" ("the repository is immutable" in older wording). It comes even when
 * the tag already names the very manifest being pushed.
 */
export function isImmutableTagRefusal(refusal: RegistryRefusal): boolean {
  return refusal.status === 400 && refusal.code === 'TAG_INVALID' && /cannot be overwritten because the (tag|repository) is immutable/i.test(refusal.message);
}
