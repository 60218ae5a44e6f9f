import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../src/push/events.js';
import { ReadProgress } from '../src/read-progress.js';

describe('ReadProgress', () => {
  it('tells the start, at most one count per half second while it runs, and the end', () => {
    const events: PushEvent[] = [];
    let now = 1_000;
    const progress = new ReadProgress((e) => events.push(e), 'docker-daemon:app:1', 'export', 4096, () => now);
    progress.start();
    progress.add(1000);
    now += 499;
    progress.add(1000);
    now += 1;
    progress.add(1000);
    progress.add(96);
    progress.end();
    expect(events).toEqual([
      { type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes: 0, total: 4096, done: false },
      { type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes: 3000, total: 4096, done: false },
      { type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes: 3096, total: 4096, done: true },
    ]);
  });

  it('grows its total as more work is found, and starts once however often it is asked to', () => {
    const events: PushEvent[] = [];
    const progress = new ReadProgress((e) => events.push(e), 'oci:x', 'compress', undefined, () => 0);
    progress.grow(10);
    progress.start();
    progress.grow(20);
    progress.start();
    progress.end();
    expect(events.map((e) => e.type === 'read-progress' && [e.total, e.done])).toEqual([[10, false], [30, true]]);
  });
});
