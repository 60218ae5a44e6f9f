import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PushEvent, PushResult } from '@hoist/core';
import { createOutput } from '../src/output.js';
import type { Clock } from '../src/reporters/clock.js';
import { plainReporter, PROGRESS_EVERY_MS } from '../src/reporters/plain-reporter.js';

/** What a Jenkins log shows of a push (issue 27): a start line, a progress line every 10 s, short digests. */
const MiB = 1024 * 1024;
const hex = (c: string) => c.repeat(64);
const digest = (c: string) => `sha256:${hex(c)}`;

/** A clock that moves only when told, running the ticks that fall due on the way. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const timers: { ms: number; due: number; tick: () => void; stopped: boolean }[] = [];
  return {
    now: () => now,
    every(ms, tick) {
      const timer = { ms, due: now + ms, tick, stopped: false };
      timers.push(timer);
      return () => {
        timer.stopped = true;
      };
    },
    advance(ms) {
      const end = now + ms;
      for (let next = timers.find((t) => !t.stopped && t.due <= end); next; next = timers.find((t) => !t.stopped && t.due <= end)) {
        now = next.due;
        next.due += next.ms;
        next.tick();
      }
      now = end;
    },
  };
}

function plainLog(options: { quiet?: boolean } = {}) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  const text = { out: '', err: '' };
  stdout.on('data', (d: Buffer) => (text.out += d.toString()));
  stderr.on('data', (d: Buffer) => (text.err += d.toString()));
  const clock = fakeClock();
  const reporter = plainReporter(createOutput({ stdout, stderr }), options.quiet ?? false, false, clock);
  const errLines = () => text.err.split('\n').filter(Boolean);
  return { reporter, clock, text, errLines };
}

const started: PushEvent = {
  type: 'image-started',
  source: 'docker-archive:app.tar',
  layers: 2,
  bytes: 200 * MiB + 1024,
  destinations: [{ name: 'r.io/team/app', tags: ['1', 'latest'] }],
};
const compressing = (bytes: number, done = false): PushEvent => ({ type: 'read-progress', source: 'docker-archive:app.tar', phase: 'compress', bytes, total: 200 * MiB, done });
const where = 'r.io/team/app';

describe('a plain log without a terminal', () => {
  it('starts each image with a line: the source, its layers and size, every destination and tag', () => {
    const { reporter, errLines } = plainLog();
    reporter.event(started);
    expect(errLines()).toEqual(['pushing docker-archive:app.tar (2 layers, 200.0 MiB) to r.io/team/app:1, r.io/team/app:latest']);
  });

  it('says "1 layer", and names a destination by digest only without a tag', () => {
    const { reporter, errLines } = plainLog();
    reporter.event({ ...started, layers: 1, destinations: [{ name: where, tags: [] }, { name: 'oci:/out', tags: ['1'] }] });
    expect(errLines()).toEqual(['pushing docker-archive:app.tar (1 layer, 200.0 MiB) to r.io/team/app, oci:/out:1']);
  });

  it("gives a daemon's export a line when it starts and when it ends, before the image's start line", () => {
    const { reporter, errLines } = plainLog();
    const exporting = (bytes: number, done: boolean): PushEvent => ({ type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes, total: 400 * MiB, done });
    reporter.event(exporting(0, false));
    reporter.event(exporting(100 * MiB, false));
    reporter.event(exporting(401 * MiB, true));
    expect(errLines()).toEqual(['exporting docker-daemon:app:1 from the daemon (about 400.0 MiB)', 'exported docker-daemon:app:1 (401.0 MiB)']);
  });

  it('prints one progress line for the whole push every 10 s: each phase with its bytes, rate and time left', () => {
    const { reporter, clock, errLines } = plainLog();
    reporter.event(started);
    reporter.event(compressing(0));
    clock.advance(5_000);
    reporter.event(compressing(100 * MiB));
    clock.advance(PROGRESS_EVERY_MS - 5_000);
    expect(errLines().slice(1)).toEqual(['progress at 10 s: compressing docker-archive:app.tar: 100.0 MiB of 200.0 MiB (50%), 10.0 MiB/s, ETA 10 s']);

    // The big layer is compressed (150 MiB to 75 MiB) and goes up while the small one compresses.
    clock.advance(2_000);
    reporter.event({ type: 'layer-compressed', diffId: digest('1'), digest: digest('a'), size: 150 * MiB, compressedSize: 75 * MiB, cached: false });
    reporter.event({ type: 'blob-started', destination: where, digest: digest('a'), size: 75 * MiB });
    for (const sent of [10, 20, 30, 40]) reporter.event({ type: 'blob-progress', destination: where, digest: digest('a'), size: 75 * MiB, sent: sent * MiB });
    clock.advance(3_000);
    reporter.event({ type: 'layer-compressed', diffId: digest('2'), digest: digest('b'), size: 50 * MiB, compressedSize: 25 * MiB, cached: false });
    reporter.event(compressing(200 * MiB, true));
    clock.advance(5_000);
    const lines = errLines();
    // Blobs still get their own state lines; their progress is only in the line for the whole push.
    expect(lines.filter((l) => l.startsWith(`${where}: aaaaaaaaaaaa`))).toEqual([`${where}: aaaaaaaaaaaa uploading 75.0 MiB`]);
    // 40 MiB of 100 MiB and 1 KiB (the config) to send, in the 8 s since the first upload began.
    expect(lines.at(-1)).toBe('progress at 20 s: uploading: 40.0 MiB of 100.0 MiB (39%), 5.0 MiB/s, ETA 12 s');
    expect(lines.filter((l) => l.startsWith('progress'))).toHaveLength(2);
  });

  it("shows a daemon's export in the progress line while it runs, its total the daemon's estimate", () => {
    const { reporter, clock, errLines } = plainLog();
    const exporting = (bytes: number): PushEvent => ({ type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes, total: 400 * MiB, done: false });
    reporter.event(exporting(0));
    clock.advance(5_000);
    reporter.event(exporting(90 * MiB));
    clock.advance(4_000);
    reporter.event(exporting(180 * MiB));
    clock.advance(1_000 + PROGRESS_EVERY_MS);
    expect(errLines().slice(1)).toEqual([
      'progress at 10 s: exporting docker-daemon:app:1: 180.0 MiB of about 400.0 MiB (45%), 18.0 MiB/s, ETA 12 s',
      'progress at 20 s: exporting docker-daemon:app:1: 180.0 MiB of about 400.0 MiB (45%), nothing moved since the last line',
    ]);
  });

  it('counts blobs already there or mounted off what is left to send, and says when nothing moved', () => {
    const { reporter, clock, errLines } = plainLog();
    reporter.event({ ...started, bytes: 100 * MiB, layers: 2 });
    reporter.event({ type: 'blob-skipped', destination: where, digest: digest('c'), size: 60 * MiB });
    reporter.event({ type: 'blob-started', destination: where, digest: digest('d'), size: 40 * MiB });
    reporter.event({ type: 'blob-progress', destination: where, digest: digest('d'), size: 40 * MiB, sent: 10 * MiB });
    clock.advance(PROGRESS_EVERY_MS);
    clock.advance(PROGRESS_EVERY_MS);
    expect(errLines().filter((l) => l.startsWith('progress'))).toEqual([
      'progress at 10 s: uploading: 10.0 MiB of 40.0 MiB (25%), 1.0 MiB/s, ETA 30 s',
      'progress at 20 s: uploading: 10.0 MiB of 40.0 MiB (25%), nothing moved since the last line',
    ]);
  });

  it('stops its progress lines when the push ends, and prints none with --quiet', () => {
    const log = plainLog();
    log.reporter.event(started);
    log.reporter.failed('gave up', 'NETWORK', 1);
    log.clock.advance(3 * PROGRESS_EVERY_MS);
    expect(log.errLines().filter((l) => l.startsWith('progress'))).toEqual([]);

    const quiet = plainLog({ quiet: true });
    quiet.reporter.event(started);
    quiet.reporter.event(compressing(0));
    quiet.clock.advance(3 * PROGRESS_EVERY_MS);
    expect(quiet.text.err).toBe('');
  });

  it('a verb that reads no image and sends no blob prints no progress line', () => {
    const { reporter, clock, errLines } = plainLog();
    reporter.event({ type: 'manifest-pushed', destination: where, digest: digest('e'), reference: 'v2' });
    clock.advance(3 * PROGRESS_EVERY_MS);
    expect(errLines()).toEqual([`${where}: tagged v2`]);
  });
});

describe('digests in human lines', () => {
  const result: PushResult = {
    digest: digest('f'),
    sourceDigest: digest('e'),
    rewrites: ['compression'],
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    destinations: [{ name: where, registry: 'r.io', repository: 'team/app', tags: ['1'], digest: digest('f'), blobsUploaded: 1, blobsMounted: 0, blobsSkipped: 0, bytesUploaded: 10 }],
  };

  it('are 12 hex digits in failures, but whole in a name@digest reference and in the closing digest line', () => {
    const { reporter, text } = plainLog();
    reporter.failed(`checking manifest ${digest('3')} in team/app failed; destination r.io/app@${digest('4')} names another`, 'REGISTRY', 1);
    expect(text.err).toBe(`hoist: error: checking manifest ${'3'.repeat(12)} in team/app failed; destination r.io/app@${digest('4')} names another\n`);
    const done = plainLog();
    done.reporter.done(result);
    expect(done.text.out.split('\n')).toEqual([
      `${where}: 1 uploaded (10 B), 0 mounted, 0 already present; tags 1`,
      `(the source's digest was ${'e'.repeat(12)}: layers were compressed on the way, so the pushed manifest differs)`,
      `digest: ${digest('f')}`,
      '',
    ]);
  });

  it('are whole with -q, where the digest is the output; a plan says "1 of 1 image" and short digests', () => {
    const quiet = plainLog({ quiet: true });
    quiet.reporter.done(result);
    expect(quiet.text.out).toBe(`${digest('f')}\n`);
    const plan = plainLog();
    plan.reporter.planDone([{ name: 'app', unchanged: digest('9') }], 'sync');
    expect(plan.text.out).toBe(`app: already at the destination (${'9'.repeat(12)})\nsync: 0 of 1 image copied, 1 already there\n`);
  });
});
