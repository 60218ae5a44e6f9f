import { blobExists, pushScope, type RepositoryTarget } from './blob-upload.js';
import { groupDestinations } from './destinations.js';
import type { Descriptor } from '../descriptor.js';
import { PushError } from '../errors.js';
import type { PushOptions } from './push.js';
import type { PushPool } from '../plan/push-pool.js';
import { PushRun } from './push-run.js';
import { startDeadline } from '../deadline.js';
import { grantedActions } from '../registry/token-claims.js';
import { Transport } from '../registry/transport.js';
import { transportOptions } from './push-session.js';

/**
 * Checks before work: a push with a tag no registry takes, a registry that is down, wrong TLS or
 * plain-HTTP settings, a wrong password or a token that does not allow pushing fails here, in the
 * words the push itself would use, before a daemon's export or a layer's compression has started.
 * pushImage makes them itself once the source's documents are read; call this first when opening
 * the source is itself costly (a daemon's export).
 */
export type AccessCheckOptions = Pick<
  PushOptions,
  'destinations' | 'tags' | 'adapters' | 'tls' | 'lookup' | 'plainHttpHosts' | 'retryPolicy' | 'timeouts' | 'timeoutMs' | 'deadline' | 'onEvent' | 'onSecret' | 'signal'
>;

/** The empty blob: its HEAD asks for nothing that could be large, and needs the push's token like any other. */
const EMPTY_BLOB = { digest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };

export function checkPushAccess(options: AccessCheckOptions): Promise<void> {
  return checkPushAccessIn(options);
}

/**
 * checkPushAccess, on a push's pool when given one: its pings and tokens serve the push that
 * follows. With `root`, the image's manifest as read from the source, the request that proves
 * access is the HEAD of that manifest the push would make first: an image already there costs no
 * request more than it did.
 */
export async function checkPushAccessIn(options: AccessCheckOptions, pool?: PushPool, root?: Descriptor): Promise<void> {
  // Every tag first: one no registry would take is a mistake found without a request.
  groupDestinations(options.destinations, options.tags ?? []);
  if (options.destinations.length === 0) return;
  const deadline = options.deadline ?? startDeadline(options.timeoutMs);
  // The first refusal ends the check: the other repositories' requests (one may be retrying a
  // registry that is down) stop with it, and are waited for, so that nothing outlives the failure.
  const failed = new AbortController();
  const signal = AbortSignal.any([failed.signal, deadline.signal, ...(options.signal ? [options.signal] : [])]);
  const transport = pool?.transport ?? new Transport(transportOptions(options));
  try {
    const run = new PushRun({ ...options, deadline }, transport, signal, pool);
    let first: { error: unknown } | undefined;
    await run.eachRepository(async (dest) => {
      try {
        await proveAccess(dest, () => (root ? run.hasManifest(dest, root) : blobExists(dest, EMPTY_BLOB, `checking access to ${dest.repository}`)));
      } catch (error) {
        first ??= { error };
        failed.abort(error);
      }
    });
    if (first) throw first.error;
  } finally {
    if (!options.deadline) deadline.clear();
    if (!pool) await transport.close();
  }
}

/**
 * A HEAD signed for `pull,push`, as the push's own first requests are: it proves the registry
 * answers and takes the credentials. A token service that grants less than it was asked does not
 * say no; its token says so, when it is a JWT that lists what it grants.
 */
async function proveAccess(target: RepositoryTarget, head: () => Promise<unknown>): Promise<void> {
  await head();
  const scopes = pushScope(target);
  const granted = grantedActions(target.client.issuedToken(scopes), target.repository);
  if (granted === undefined || granted.includes('push') || granted.includes('*')) return;
  // 401 is what the registry answers to a token short of the scope, and what adapters' hints read.
  const refusal = await target.client.describeRefusal(401, scopes, true);
  const grants = granted.length > 0 ? `grants ${granted.join(',')} only` : 'grants nothing there';
  throw new PushError('UNAUTHORIZED', `checking access to ${target.repository} failed: UNAUTHORIZED: ${refusal} (the token issued ${grants})`, { status: 401 });
}

