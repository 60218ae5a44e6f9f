import type { RegistryCapabilities } from '../adapter.js';
import { cancelUpload, startUpload, uploadBlob, resumableSession, type OpenBlob, type RepositoryTarget, type UploadSession } from './blob-upload.js';
import type { Descriptor } from '../descriptor.js';
import type { PushEventListener } from './events.js';
import { backoffDelay, isRetryableError, sleep } from '../registry/retry-policy.js';

/**
 * One blob's upload, retried as a whole: a failed PUT or PATCH is never repeated blindly on its
 * old session (distribution cancels a session when a chunk arrives at the wrong offset, and a
 * reset connection leaves its state unknown). A chunked upload asks the registry how far it got
 * and resumes from there when it can say; anything else starts on a fresh session. Sessions not
 * finished are tracked so that an interrupted push can DELETE them.
 */
export interface TransferOptions {
  capabilities: RegistryCapabilities;
  stallMs: number;
  open: OpenBlob;
  /** A session the registry already opened (a declined mount); used for the first attempt. */
  session?: URL;
  onBytes: (sent: number) => void;
  emit: PushEventListener;
  sessions: OpenSessions;
}

/** Upload sessions begun and not finished, per repository target. */
export class OpenSessions {
  private readonly open = new Map<string, { target: RepositoryTarget; location: URL }>();

  add(target: RepositoryTarget, location: URL): string {
    const key = `${target.repository} ${location.href}`;
    this.open.set(key, { target, location });
    return key;
  }

  delete(key: string): void {
    this.open.delete(key);
  }

  /** DELETEs every open session, each given at most `timeoutMs`. */
  async cancelAll(timeoutMs: number): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    const open = [...this.open.values()];
    this.open.clear();
    await Promise.all(open.map(({ target, location }) => cancelUpload(target, location, signal)));
  }
}

/** How long the DELETE of a failed attempt's session may take before the next attempt. */
const CANCEL_TIMEOUT_MS = 5_000;

function withRun(run: AbortSignal | undefined, own: AbortSignal): AbortSignal {
  return run ? AbortSignal.any([run, own]) : own;
}

export async function transferBlob(target: RepositoryTarget, blob: Descriptor, options: TransferOptions): Promise<void> {
  const policy = target.client.retryPolicy;
  let reuse: UploadSession | undefined = options.session ? { location: options.session, minChunk: 0 } : undefined;
  for (let attempt = 0; ; attempt++) {
    let key: string | undefined;
    let session: UploadSession | undefined;
    try {
      session = reuse ?? (await startUpload(target));
      reuse = undefined;
      key = options.sessions.add(target, session.location);
      await uploadBlob(target, blob, options.open, session, { capabilities: options.capabilities, stallMs: options.stallMs, onBytes: options.onBytes });
      options.sessions.delete(key);
      return;
    } catch (error) {
      if (target.signal?.aborted || attempt >= policy.retries || !isRetryableError(error)) throw error;
      if (key !== undefined && session) {
        options.sessions.delete(key);
        reuse = options.capabilities.upload === 'chunked' ? await resumableSession(target, session) : undefined;
        // Tidying up is no reason to outlive the run: the DELETE stops with it too.
        if (!reuse) await cancelUpload(target, session.location, withRun(target.signal, AbortSignal.timeout(CANCEL_TIMEOUT_MS)));
      }
      const waitMs = backoffDelay(policy, attempt);
      const reason = (error as Error).message;
      target.client.retryBudget.checkWait(waitMs, `upload of blob ${blob.digest} failed (${reason})`);
      options.emit({
        type: 'retry',
        registry: target.client.host,
        request: `upload of blob ${blob.digest} to ${target.repository}`,
        reason,
        attempt: attempt + 1,
        attempts: policy.retries + 1,
        waitMs,
      });
      await sleep(waitMs, target.signal);
    }
  }
}
