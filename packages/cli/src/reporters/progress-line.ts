import { formatBytes, formatDuration, formatRate } from '../format.js';
import type { Amount, PushProgress } from './push-progress.js';

/** What each local step is doing, as a progress line says it. */
export const STEP_VERBS = { export: 'exporting', compress: 'compressing' } as const;

/**
 * The line a log without a terminal gets at each tick, one for the whole push: each local step
 * reading a source, then the uploads, each with how much of how much, its rate since the last
 * line and the time left at that rate. `progress at 20 s: compressing docker-archive:app.tar:
 * 120.0 MiB of 200.0 MiB (60%), 60.0 MiB/s, ETA 1 s; uploading: 45.0 MiB of 100.5 MiB (44%),
 * 20.0 MiB/s, ETA 3 s`.
 */
export class ProgressLine {
  /** What each part had counted at the last line, and when. */
  private readonly previous = new Map<string, { bytes: number; at: number }>();

  constructor(
    private readonly progress: PushProgress,
    private readonly now: () => number,
    private readonly startedAt: number,
  ) {}

  /** The line for now; undefined while no step runs and no image has started. */
  next(): string | undefined {
    const parts = this.progress.reading().map((step) => `${STEP_VERBS[step.phase]} ${step.source}: ${this.amount(step.key, step.amount)}`);
    const uploads = this.progress.uploads();
    if (uploads && (uploads.bytes > 0 || parts.length === 0)) parts.push(`uploading: ${this.amount('uploads', uploads)}`);
    if (parts.length === 0) return undefined;
    return `progress at ${formatDuration(this.now() - this.startedAt)}: ${parts.join('; ')}`;
  }

  private amount(key: string, amount: Amount): string {
    const now = this.now();
    const before = this.previous.get(key) ?? { bytes: 0, at: amount.since };
    this.previous.set(key, { bytes: amount.bytes, at: now });
    const rate = now > before.at ? ((amount.bytes - before.bytes) * 1000) / (now - before.at) : 0;
    const left = amount.total !== undefined && amount.total > amount.bytes ? amount.total - amount.bytes : undefined;
    const of = left === undefined ? '' : ` of ${amount.estimated ? 'about ' : ''}${formatBytes(amount.total!)} (${Math.floor((amount.bytes / amount.total!) * 100)}%)`;
    if (rate <= 0) return `${formatBytes(amount.bytes)}${of}, nothing moved since the last line`;
    return `${formatBytes(amount.bytes)}${of}, ${formatRate(rate)}${left === undefined ? '' : `, ETA ${formatDuration((left * 1000) / rate)}`}`;
  }
}
