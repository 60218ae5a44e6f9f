import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the ECR and ECR Public APIs (AWS JSON 1.1 protocol: POST / with an
 * X-Amz-Target header), so the real @aws-sdk/client-ecr(-public) can be driven against it
 * through an endpoint override. ECR Public's calls are recorded as `public:<operation>`. GetAuthorizationToken hands out `AWS:<password>` for the registry behind it
 * (with `passwordPerToken`, a password of its own each time, which a front before the registry
 * takes only while `isLive` says so); CreateRepository records the request and calls back.
 * Requests must be SigV4-signed by an access key; the signature itself is not checked.
 */
export interface FakeEcr {
  url: string;
  /** X-Amz-Target operation names received, in order, with the access key that signed them. */
  calls: { operation: string; accessKeyId?: string; body: Record<string, unknown> }[];
  /** True for the password of a token it issued that has not expired yet. */
  isLive(password: string): boolean;
  close(): Promise<void>;
}

export interface FakeEcrOptions {
  /** The password the token carries (the registry behind accepts `AWS` with it). */
  password: string;
  tokenLifetimeSeconds?: number;
  /** Each token carries a password of its own, `<password>-N`, as ECR's do. */
  passwordPerToken?: boolean;
  /** The life each token's `expiresAt` claims, when it is not the real one (tokens revoked before their time). */
  claimedLifetimeSeconds?: number;
  onCreateRepository?: (name: string) => void;
}

export async function startFakeEcr(options: FakeEcrOptions): Promise<FakeEcr> {
  const calls: FakeEcr['calls'] = [];
  /** Password → when it expires (ms). */
  const issued = new Map<string, number>();
  const repositories = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const [service, operation = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
    // ECR Public's API answers to its own service name and returns one authorization, not a list.
    const isPublic = service === 'SpencerFrontendService';
    const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    calls.push({ operation: isPublic ? `public:${operation}` : operation, ...(accessKeyId ? { accessKeyId } : {}), body });
    const reply = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(value));
    };
    if (!accessKeyId) return reply(400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    if (operation === 'GetAuthorizationToken') {
      const lifetime = options.tokenLifetimeSeconds ?? 12 * 3600;
      const password = options.passwordPerToken ? `${options.password}-${issued.size + 1}` : options.password;
      issued.set(password, Date.now() + lifetime * 1000);
      const expiresAt = Date.now() / 1000 + (options.claimedLifetimeSeconds ?? lifetime);
      const data = { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt };
      return reply(200, { authorizationData: isPublic ? data : [{ ...data, proxyEndpoint: 'https://ecr.invalid' }] });
    }
    if (operation === 'CreateRepository') {
      const name = String(body['repositoryName']);
      if (repositories.has(name)) return reply(400, { __type: 'RepositoryAlreadyExistsException', message: 'exists' });
      repositories.add(name);
      options.onCreateRepository?.(name);
      return reply(200, { repository: { repositoryName: name, registryId: body['registryId'] } });
    }
    reply(400, { __type: 'InvalidParameterException', message: `unknown operation ${operation}` });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    isLive: (password) => (issued.get(password) ?? 0) > Date.now(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
