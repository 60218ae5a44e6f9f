// The registry itself, its certificates, its token server and the fault proxy live in the conformance kit, public,
// so that an adapter in another repository starts the same registry these tests do.
export {
  createSigningCert,
  createTestCa,
  DEFAULT_USERS,
  freePort,
  htpasswdFile,
  issueClientCert,
  issueServerCert,
  parseAccessLog,
  readAccessLog,
  seededRandom,
  startFaultProxy,
  startRegistry,
  startTokenServer,
} from '@hoist/adapter-testkit/registry';
export type { AccessLogEntry, FaultAction, FaultProxy, FaultProxyOptions, FaultRecord, FaultRule, IssuedCert, RegistryAuth, RegistryOptions, TestCa, TestRegistry, TokenRequestRecord, TokenServer, TokenServerOptions } from '@hoist/adapter-testkit/registry';
export { startRedirectFront } from './redirect-front.js';
export type { RedirectFront, RedirectFrontOptions } from './redirect-front.js';
export { startHttpProxy } from './http-proxy.js';
export type { HttpProxy } from './http-proxy.js';
export { startFakeEcr } from './fake-ecr.js';
export type { FakeEcr, FakeEcrOptions } from './fake-ecr.js';
export { startFakeGoogle } from './fake-google.js';
export type { FakeGoogle, FakeGoogleOptions } from './fake-google.js';
export { startFakeEntra } from './fake-entra.js';
export type { FakeEntra, FakeEntraOptions } from './fake-entra.js';
export { startCloudProxy } from './cloud-proxy.js';
export type { CloudProxy } from './cloud-proxy.js';
export { startCredentialFront } from './credential-front.js';
export type { CredentialFront, CredentialFrontOptions } from './credential-front.js';
export { startPathFront } from './path-front.js';
export type { PathFront, PathRoute } from './path-front.js';
export { startDockerDaemon } from './docker-daemon.js';
export type { TestDockerDaemon } from './docker-daemon.js';
export { startPodmanService } from './podman-service.js';
export type { TestPodmanService } from './podman-service.js';
export { startFakeEngine } from './fake-engine.js';
export type { FakeEngine } from './fake-engine.js';
export { startSilentListener } from './silent-listener.js';
export type { SilentListener } from './silent-listener.js';
export { startCutProxy } from './cut-proxy.js';
export type { CutProxy } from './cut-proxy.js';
