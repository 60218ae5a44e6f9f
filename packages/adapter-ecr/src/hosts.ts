/**
 * ECR registry names: `<account>.dkr.ecr[-fips].<region>.amazonaws.com` and the `.cn` partition
 * (`<account>.dkr.ecr.cn-north-1.amazonaws.com.cn`), and ECR Public's `public.ecr.aws`, whose
 * API (and so its authentication) lives in us-east-1 whatever the caller's region. A port is
 * tolerated, for mirrors and test doubles.
 */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?(:\d+)?$/;
const ECR_PUBLIC_HOST = /^public\.ecr\.aws(:\d+)?$/;
export const ECR_PUBLIC_REGION = 'us-east-1';

export type EcrHost = { public: false; account: string; region: string; fips: boolean } | { public: true; region: string };

export function parseEcrHost(registry: string): EcrHost | undefined {
  const host = registry.toLowerCase();
  if (ECR_PUBLIC_HOST.test(host)) return { public: true, region: ECR_PUBLIC_REGION };
  const m = ECR_HOST.exec(host);
  return m ? { public: false, account: m[1]!, region: m[3]!, fips: m[2] !== undefined } : undefined;
}
