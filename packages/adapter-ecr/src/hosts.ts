/**
 * ECR registry names: `<account>.dkr.ecr[-fips].<region>.amazonaws.com` and the `.cn` partition
 * (`<account>.dkr.ecr.cn-north-1.amazonaws.com.cn`). A port is tolerated, for mirrors and test
 * doubles. (public.ecr.aws has its own API, ECR Public, and is not handled here yet.)
 */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?(:\d+)?$/;

export interface EcrHost {
  account: string;
  region: string;
  fips: boolean;
}

export function parseEcrHost(registry: string): EcrHost | undefined {
  const m = ECR_HOST.exec(registry.toLowerCase());
  return m ? { account: m[1]!, region: m[3]!, fips: m[2] !== undefined } : undefined;
}
