import type { PushEvent } from '@hoist/core';
import { plural } from './format.js';

/** What a push finished so far, for the line an interrupted push prints. */
export class ProgressTally {
  private uploaded = 0;
  private mounted = 0;
  private present = 0;
  private manifests = 0;

  count(event: PushEvent): void {
    if (event.type === 'blob-uploaded') this.uploaded++;
    else if (event.type === 'blob-mounted') this.mounted++;
    else if (event.type === 'blob-skipped') this.present++;
    else if (event.type === 'manifest-pushed' && event.reference === event.digest) this.manifests++;
  }

  describe(): string {
    return `completed: ${plural(this.uploaded, 'blob')} uploaded, ${this.mounted} mounted, ${this.present} already present, ${plural(this.manifests, 'manifest')}`;
  }
}
