import { pipeline, Readable } from 'node:stream';
import type { Descriptor } from '../descriptor.js';
import { VerifyingStream } from '../digest.js';

/** The bytes of a blob for one upload. */
export interface BlobBytes {
  stream: Readable;
  /** Already checked against the descriptor's digest upstream: the upload only checks the size. */
  verified: boolean;
}

export interface SharedReadLimits {
  /** Bytes a read may run ahead of its slowest upload. */
  window: number;
  /** The most of its start one read keeps for registries that may still join. */
  perRead: number;
  /** The most all reads of a run keep for registries that may still join. */
  budget: number;
}

const DEFAULT_SHARED_READ_LIMITS: SharedReadLimits = { window: 8 * 1024 * 1024, perRead: 16 * 1024 * 1024, budget: 64 * 1024 * 1024 };

/**
 * A blob pushed to several registries is read and verified once. The first registry to upload
 * it starts a read of the source (a file, or a GET from the source registry); every other
 * registry that uploads it while that read is open takes its bytes from the same read. One that
 * arrives after the first bytes went out replays them from memory: the read keeps its start
 * while registries that have not yet decided about the blob (still checking whether they hold
 * it) might join, up to a share of a budget for the whole run. After that, or once every
 * registry has joined or decided, it keeps only what its slowest upload has not taken yet, and
 * reads at most a window ahead of it: one slow registry slows the read, which no push can end
 * before anyway. A retry, or a registry that comes too late, reads the source on its own.
 */
export class SharedReads {
  private readonly reads = new Map<string, SharedRead>();
  /** Per digest, the registries that joined its read or are done with it. */
  private readonly decided = new Map<string, Set<string>>();
  private budget: number;

  /** `registries`: how many registries this run pushes to; with fewer than two nothing is shared. */
  constructor(
    private readonly registries: number,
    private readonly limits: SharedReadLimits = DEFAULT_SHARED_READ_LIMITS,
  ) {
    this.budget = limits.budget;
  }

  /**
   * The bytes of `blob` for one registry's upload: its first call joins the shared read (or
   * starts it), later calls (a retry, a re-authenticated request) read the source on their own.
   */
  opener(blob: Descriptor, registry: string, open: () => Readable, verified: boolean): () => BlobBytes {
    let first = true;
    return () => {
      const shared = first ? this.join(blob, registry, open, verified) : undefined;
      first = false;
      return shared ? { stream: shared, verified: true } : { stream: open(), verified };
    };
  }

  /** A registry is done with a blob (found, mounted, uploaded or failed): the read waits for it no longer. */
  settle(digest: string, registry: string): void {
    if (this.decide(digest, registry)) this.reads.get(digest)?.closeJoining();
  }

  /** Ends every read (the push is over or failed). */
  close(): void {
    for (const read of this.reads.values()) read.destroy();
    this.reads.clear();
  }

  private join(blob: Descriptor, registry: string, open: () => Readable, verified: boolean): Readable | undefined {
    if (this.registries < 2) return undefined;
    const existing = this.reads.get(blob.digest);
    const everyoneDecided = this.decide(blob.digest, registry);
    if (existing) {
      const joined = existing.join();
      if (everyoneDecided) existing.closeJoining();
      return joined;
    }
    if (everyoneDecided) return undefined;
    const keep = Math.min(this.limits.perRead, blob.size, this.budget);
    this.budget -= keep;
    const read: SharedRead = new SharedRead(blob, open, verified, keep, this.limits.window, {
      onJoiningClosed: () => (this.budget += keep),
      onFinished: () => {
        if (this.reads.get(blob.digest) === read) this.reads.delete(blob.digest);
      },
    });
    this.reads.set(blob.digest, read);
    return read.join();
  }

  /** Records the registry's decision; true once every registry has decided. */
  private decide(digest: string, registry: string): boolean {
    let decided = this.decided.get(digest);
    if (!decided) this.decided.set(digest, (decided = new Set()));
    decided.add(registry);
    return decided.size >= this.registries;
  }
}

class Consumer extends Readable {
  position = 0;
  wants = false;
  ended = false;

  constructor(private readonly shared: SharedRead) {
    super();
  }

  override _read(): void {
    this.wants = true;
    this.shared.pump();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.shared.leave(this);
    callback(error);
  }
}

class SharedRead {
  /** Bytes read and not yet dropped; `chunks[0]` starts at `base`. */
  private readonly chunks: Buffer[] = [];
  private base = 0;
  private end = 0;
  private done = false;
  private failed = false;
  private joinable = true;
  private pumping = false;
  private pumpAgain = false;
  private source: Readable | undefined;
  private readonly consumers = new Set<Consumer>();

  constructor(
    private readonly blob: Descriptor,
    private readonly open: () => Readable,
    private readonly verified: boolean,
    /** How much of its start the read keeps for late joiners. */
    private readonly keep: number,
    private readonly window: number,
    private readonly events: { onJoiningClosed(): void; onFinished(): void },
  ) {}

  join(): Readable | undefined {
    if (!this.joinable || this.failed) return undefined;
    const consumer = new Consumer(this);
    this.consumers.add(consumer);
    this.source ??= this.start();
    return consumer;
  }

  closeJoining(): void {
    if (this.stopJoining()) this.pump();
  }

  leave(consumer: Consumer): void {
    if (!this.consumers.delete(consumer)) return;
    this.pump();
  }

  destroy(): void {
    this.closeJoining();
    this.source?.destroy();
    for (const consumer of this.consumers) consumer.destroy();
  }

  /** Hands each upload what it can take, drops what none needs, and reads on or waits. */
  pump(): void {
    if (this.pumping) {
      // Called back from inside (an upload ended or asked for more while being fed): go round again.
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const consumer of this.consumers) this.feed(consumer);
        if (this.end > this.keep) this.stopJoining();
        this.trim();
        this.readOnOrWait();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private start(): Readable {
    let raw: Readable;
    try {
      raw = this.open();
    } catch (error) {
      raw = new Readable({ read: () => raw.destroy(error as Error) });
    }
    const source = this.verified ? raw : pipeline(raw, new VerifyingStream(this.blob), () => {});
    source.pause();
    source.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.end += chunk.length;
      this.pump();
    });
    source.once('end', () => {
      this.done = true;
      this.pump();
    });
    source.once('error', (error) => this.fail(error));
    return source;
  }

  private feed(consumer: Consumer): void {
    while (consumer.wants && consumer.position < this.end) {
      const chunk = this.chunkAt(consumer.position);
      consumer.position += chunk.length;
      consumer.wants = consumer.push(chunk);
    }
    if (this.done && !consumer.ended && consumer.position === this.end) {
      consumer.ended = true;
      consumer.push(null);
    }
  }

  private chunkAt(position: number): Buffer {
    let offset = this.base;
    for (const chunk of this.chunks) {
      if (position < offset + chunk.length) return chunk.subarray(position - offset);
      offset += chunk.length;
    }
    throw new Error(`shared read of ${this.blob.digest} has no byte ${position}`);
  }

  /** Once no registry can join, bytes every upload has taken are let go, and so is the read when no upload is left. */
  private trim(): void {
    if (this.joinable) return;
    let keepFrom = this.end;
    for (const consumer of this.consumers) keepFrom = Math.min(keepFrom, consumer.position);
    while (this.chunks.length > 0 && this.base + this.chunks[0]!.length <= keepFrom) this.base += this.chunks.shift()!.length;
    if (this.consumers.size === 0) {
      if (!this.done) this.source?.destroy();
      this.events.onFinished();
    }
  }

  private readOnOrWait(): void {
    const source = this.source;
    if (!source || this.done || this.failed) return;
    let slowest = this.end;
    let leaderWaiting = false;
    for (const consumer of this.consumers) {
      slowest = Math.min(slowest, consumer.position);
      if (consumer.wants && consumer.position === this.end) leaderWaiting = true;
    }
    if (leaderWaiting && this.end - slowest < this.window) source.resume();
    else source.pause();
  }

  /** True when this call closed it. */
  private stopJoining(): boolean {
    if (!this.joinable) return false;
    this.joinable = false;
    this.events.onJoiningClosed();
    return true;
  }

  private fail(error: Error): void {
    this.failed = true;
    this.stopJoining();
    this.chunks.length = 0;
    this.events.onFinished();
    for (const consumer of this.consumers) consumer.destroy(error);
  }
}
