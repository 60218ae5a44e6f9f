// A real distribution registry for an adapter's tests, in any repository: started on loopback with
// a random port, open or behind htpasswd or token auth, over HTTP or TLS (a throw-away CA), and
// read back without hoist; a fault proxy in front of it answers as a service does where
// distribution cannot (NAME_UNKNOWN until a repository is created, immutable tags) or as a
// failing network would. Needs CNCF distribution's binary (Debian's `docker-registry`, or
// `registry`) and the openssl CLI for the TLS and token variants.
export { parseAccessLog, readAccessLog } from './access-log.js';
export type { AccessLogEntry } from './access-log.js';
export { createSigningCert, createTestCa, issueClientCert, issueServerCert } from './certificates.js';
export type { IssuedCert, TestCa } from './certificates.js';
export { seededRandom, startFaultProxy } from './fault-proxy.js';
export type { FaultAction, FaultProxy, FaultProxyOptions, FaultRecord, FaultRule } from './fault-proxy.js';
export { freePort } from './free-port.js';
export { htpasswdFile } from './htpasswd.js';
export { loopbackLookup } from './loopback-lookup.js';
export { readRegistryManifest } from './read-manifest.js';
export type { ReadableRegistry } from './read-manifest.js';
export { DEFAULT_USERS, startRegistry } from './registry.js';
export type { RegistryAuth, RegistryOptions, TestRegistry } from './registry.js';
export { startTokenServer } from './token-server.js';
export type { TokenRequestRecord, TokenServer, TokenServerOptions } from './token-server.js';
