import type { PushEventListener } from './push/events.js';

/** `read-progress` events of one step at most this often while it runs. */
const REPORT_EVERY_MS = 500;

/**
 * The bytes a long local step has read (a daemon's export, layers being compressed), told as
 * `read-progress` events: when the step starts, at most every REPORT_EVERY_MS while it runs, and
 * when it ends. Reading it costs a clock read per chunk, nothing more, so the step runs as fast
 * as without it.
 */
export class ReadProgress {
  private bytes = 0;
  private lastReport = 0;
  private running = false;

  constructor(
    private readonly emit: PushEventListener,
    private readonly source: string,
    private readonly phase: 'export' | 'compress',
    private total?: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The step (again) has work: sends a start, unless it is already running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.report(false);
  }

  /** More to read than was known at the start (another layer to compress). */
  grow(bytes: number): void {
    this.total = (this.total ?? 0) + bytes;
  }

  add(bytes: number): void {
    this.bytes += bytes;
    if (this.now() - this.lastReport >= REPORT_EVERY_MS) this.report(false);
  }

  end(): void {
    this.running = false;
    this.report(true);
  }

  private report(done: boolean): void {
    this.lastReport = this.now();
    this.emit({ type: 'read-progress', source: this.source, phase: this.phase, bytes: this.bytes, ...(this.total === undefined ? {} : { total: this.total }), done });
  }
}
