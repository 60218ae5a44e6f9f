import { describe, expect, it } from 'vitest';
import { ProgressTally } from '../src/progress-tally.js';

describe('ProgressTally, the line of an interrupted push', () => {
  it('says "1 blob" and "1 manifest", and counts a manifest by digest, not its tags', () => {
    const tally = new ProgressTally();
    const digest = `sha256:${'a'.repeat(64)}`;
    tally.count({ type: 'blob-uploaded', destination: 'r/app', digest, size: 1 });
    tally.count({ type: 'blob-mounted', destination: 'r/app', digest, size: 1, from: 'other' });
    tally.count({ type: 'blob-mounted', destination: 'r/b', digest, size: 1, from: 'other' });
    tally.count({ type: 'manifest-pushed', destination: 'r/app', digest, reference: digest });
    tally.count({ type: 'manifest-pushed', destination: 'r/app', digest, reference: 'v1' });
    expect(tally.describe()).toBe('completed: 1 blob uploaded, 2 mounted, 0 already present, 1 manifest');
    expect(new ProgressTally().describe()).toBe('completed: 0 blobs uploaded, 0 mounted, 0 already present, 0 manifests');
  });
});
