import type { PushOptions, RegistryAdapter } from '@hoist/core';
import type { AccessLogEntry } from '../registry/access-log.js';

/**
 * A registry the setup starts for the end-to-end groups, configured to answer as the adapter's
 * service does: its auth, its host names, and what the adapter declares it handles. The groups
 * push through the real engine and check the result with a reader independent of hoist.
 */
export interface EndToEnd {
  /** A registry name the adapter owns and the engine can reach (apiHost, lookup, tls as needed). */
  registry: string;
  /** The adapter under test, configured with credentials this registry accepts. */
  adapter: RegistryAdapter;
  /** Extra engine options: tls, lookup, plainHttpHosts. */
  pushOptions?: Partial<Omit<PushOptions, 'adapters' | 'source' | 'destinations'>>;
  /** Reads the manifest bytes at `repository:tag` without hoist (skopeo, curl, an SDK). */
  readManifest(repository: string, tag: string): Promise<Buffer>;
  /** Every request the registry served (the kit's `registry.accessLog`): how blobs went up. */
  accessLog(): Promise<AccessLogEntry[]>;
  /** The same adapter holding credentials the registry refuses, and the secret in them. */
  refused: { adapter: RegistryAdapter; secret: string };
  /**
   * With `createRepository`: a repository the registry answers NAME_UNKNOWN for until the
   * adapter has created it (through the stand-in for the service's API).
   */
  missingRepository?: string;
  /**
   * With `isImmutableTagRefusal`: a repository whose tag `v1` the registry refuses to move once
   * it exists, answering as the service does (a fault proxy's rule with `skip: 1`).
   */
  immutableRepository?: string;
  /**
   * With `refusalHint`: the adapter holding credentials the registry takes but that may not
   * push (token auth's `readOnlyUsers`), as a robot without write permission would.
   */
  readOnly?: RegistryAdapter;
  /** With `responseInfo`: the headers the registry adds to its answers, as the service does. */
  responseHeaders?: Record<string, string>;
  close(): Promise<void>;
}

export interface ConformanceSetup {
  adapter: RegistryAdapter;
  /** Registry names the adapter must claim. */
  ownedHosts: string[];
  /** Registry names it must leave to other adapters. */
  foreignHosts: string[];
  /** A catch-all adapter (the generic one) claims every host, look-alikes included. */
  catchAll?: boolean;
  /** Started once for the end-to-end groups and closed after them. */
  endToEnd?: () => Promise<EndToEnd>;
}
