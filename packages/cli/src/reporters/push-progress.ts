import type { PushEvent } from '@hoist/core';

/** Bytes counted so far of a whole (when known), and since when they have been counted. */
export interface Amount {
  bytes: number;
  total?: number;
  /** The total is the daemon's own figure for the image, not the export's exact size. */
  estimated?: boolean;
  since: number;
}

export interface ReadingStep {
  key: string;
  phase: 'export' | 'compress';
  source: string;
  amount: Amount;
}

/**
 * What a push has moved so far, from its events, for the progress lines: the bytes each long
 * local step has read (a daemon's export, layers compressing), and the bytes uploaded of those
 * to upload. The latter's total starts as the images' size as their sources hold them, times
 * their destinations; it is corrected as each layer's compressed size becomes known, and as
 * blobs turn out to be there already or are mounted. Blobs under a manifest that a destination
 * already holds are never counted off, so the uploads can end short of it.
 */
export class PushProgress {
  private readonly steps = new Map<string, ReadingStep & { done: boolean }>();
  private toUpload = 0;
  private uploaded = 0;
  /** Destination and digest of each upload under way, and its bytes sent. */
  private readonly inFlight = new Map<string, number>();
  private uploadingSince: number | undefined;
  private started = false;
  /** The destinations of the image that started last: each gets every layer compressed. */
  private destinations = 0;

  constructor(private readonly now: () => number) {}

  observe(event: PushEvent): void {
    switch (event.type) {
      case 'image-started':
        this.started = true;
        this.destinations = event.destinations.length;
        this.toUpload += event.bytes * this.destinations;
        return;
      case 'layer-compressed':
        this.toUpload += (event.compressedSize - event.size) * this.destinations;
        return;
      case 'read-progress': {
        const key = `${event.phase} ${event.source}`;
        const since = this.steps.get(key)?.amount.since ?? this.now();
        const amount = { bytes: event.bytes, ...(event.total === undefined ? {} : { total: event.total, estimated: event.phase === 'export' }), since };
        this.steps.set(key, { key, phase: event.phase, source: event.source, amount, done: event.done });
        return;
      }
      case 'blob-started':
        this.uploadingSince ??= this.now();
        this.inFlight.set(`${event.destination} ${event.digest}`, 0);
        return;
      case 'blob-progress':
        this.inFlight.set(`${event.destination} ${event.digest}`, event.sent);
        return;
      case 'blob-uploaded':
        this.inFlight.delete(`${event.destination} ${event.digest}`);
        this.uploaded += event.size;
        return;
      case 'blob-skipped':
      case 'blob-mounted':
        this.toUpload -= event.size;
        return;
    }
  }

  /** The local steps running now. */
  reading(): ReadingStep[] {
    return [...this.steps.values()].filter((s) => !s.done).map(({ done: _done, ...step }) => step);
  }

  /** The uploads so far, once an image has started (undefined before). */
  uploads(): Amount | undefined {
    if (!this.started) return undefined;
    const bytes = this.uploaded + [...this.inFlight.values()].reduce((sum, sent) => sum + sent, 0);
    return { bytes, total: Math.max(this.toUpload, bytes), since: this.uploadingSince ?? this.now() };
  }
}
