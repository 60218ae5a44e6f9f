import { describe, expect, it } from 'vitest';
import { ecrAdapter, ECR_CAPABILITIES, parseEcrHost } from '../src/index.js';
import { ecrError, isImmutableTagRefusal } from '../src/errors.js';

describe('ECR hosts', () => {
  it.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', { public: false, account: '123456789012', region: 'us-east-1', fips: false }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { public: false, account: '123456789012', region: 'us-gov-west-1', fips: true }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { public: false, account: '123456789012', region: 'cn-north-1', fips: false }],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com:8443', { public: false, account: '123456789012', region: 'eu-west-1', fips: false }],
    ['public.ecr.aws', { public: true, region: 'us-east-1' }],
  ])('%s', (host, parsed) => expect(parseEcrHost(host)).toEqual(parsed));

  it.each(['ecr.aws', 'public.ecr.aws.evil.example', '12345.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example', 'ghcr.io'])('not %s', (host) => {
    expect(parseEcrHost(host)).toBeUndefined();
    expect(ecrAdapter().matches(host)).toBe(false);
  });

  it('sends blobs whole and never tries a mount', () => {
    expect(ecrAdapter().capabilities('123456789012.dkr.ecr.us-east-1.amazonaws.com')).toEqual(ECR_CAPABILITIES);
    expect(ECR_CAPABILITIES).toMatchObject({ upload: 'monolithic', mount: false });
  });
});

describe('ECR error mapping', () => {
  const sdkError = (name: string, status?: number) => Object.assign(new Error(`${name}: arn:aws:iam::123456789012:role/secret-role`), { name, $metadata: status ? { httpStatusCode: status } : {} });

  it.each([
    ['UnrecognizedClientException', 'UNAUTHORIZED'],
    ['AccessDeniedException', 'DENIED'],
    ['RepositoryNotFoundException', 'NAME_UNKNOWN'],
    ['ThrottlingException', 'TOOMANYREQUESTS'],
    ['CredentialsProviderError', 'UNAUTHORIZED'],
  ])('%s becomes %s, keeping the AWS name and dropping its text', (name, code) => {
    const error = ecrError(sdkError(name, 400), 'getting a token');
    expect(error).toMatchObject({ code, detail: name });
    expect(error.message).toContain(name);
    expect(error.message).not.toContain('arn:aws');
  });

  it('a 5xx the SDK gave up on is a registry failure', () => {
    expect(ecrError(sdkError('InternalFailure', 503), 'x').code).toBe('REGISTRY');
  });
});

describe('ECR immutable-tag refusals', () => {
  const refusal = (status: number, code: string, message: string) => ({ status, code, message });
  it('recognises both wordings ECR has used', () => {
    expect(isImmutableTagRefusal(refusal(400, 'TAG_INVALID', "The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the tag is immutable."))).toBe(true);
    expect(isImmutableTagRefusal(refusal(400, 'TAG_INVALID', "The image tag 'latest' already exists in the 'app' repository and cannot be overwritten because the repository is immutable."))).toBe(true);
  });
  it('leaves other tag and manifest refusals alone', () => {
    expect(isImmutableTagRefusal(refusal(400, 'TAG_INVALID', 'invalid tag'))).toBe(false);
    expect(isImmutableTagRefusal(refusal(400, 'MANIFEST_INVALID', 'cannot be overwritten because the tag is immutable'))).toBe(false);
    expect(isImmutableTagRefusal(refusal(403, 'TAG_INVALID', 'cannot be overwritten because the tag is immutable'))).toBe(false);
  });
});
