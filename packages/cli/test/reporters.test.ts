import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PushResult } from '@hoist/core';
import { createOutput } from '../src/output.js';
import { plainReporter } from '../src/reporters/plain-reporter.js';
import { ttyReporter } from '../src/reporters/tty-reporter.js';

const digest = `sha256:${'a'.repeat(64)}`;
const result: PushResult = {
  digest,
  sourceDigest: digest,
  rewrites: [],
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  destinations: [{ name: 'r.io/app', registry: 'r.io', repository: 'app', tags: ['v1'], digest, blobsUploaded: 1, blobsMounted: 0, blobsSkipped: 1, bytesUploaded: 2048 }],
};

function streams(tty: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  const text = { out: '', err: '' };
  stdout.on('data', (d: Buffer) => (text.out += d.toString()));
  stderr.on('data', (d: Buffer) => (text.err += d.toString()));
  return { output: createOutput({ stdout, stderr }), text };
}

describe('tty reporter', () => {
  it('draws a bar per upload in place, then clears it for the summary', () => {
    const { output, text } = streams(true);
    const reporter = ttyReporter(output);
    reporter.event({ type: 'blob-started', destination: 'r.io/app', digest, size: 2048 });
    reporter.event({ type: 'blob-uploaded', destination: 'r.io/app', digest, size: 2048 });
    reporter.done(result);
    expect(text.err).toContain(`r.io/app ${'a'.repeat(12)} [`);
    expect(text.err).toContain('\x1b[2A\x1b[J'); // the second draw replaced the first in place
    expect(text.err).toContain('1 blob uploaded, 0 mounted, 0 already present, 0 manifests');
    expect(text.out).toBe(`r.io/app: 1 uploaded (2.0 KiB), 0 mounted, 1 already present; tags v1\ndigest: ${digest}\n`);
  });
});

describe('tty reporter, lines it keeps above its live block', () => {
  it("keeps each image's start line and a daemon's export lines, and shows the export in the block while it runs", () => {
    const { output, text } = streams(true);
    const reporter = ttyReporter(output);
    reporter.event({ type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes: 0, total: 4 * 1024 * 1024, done: false });
    reporter.event({ type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes: 1024 * 1024, total: 4 * 1024 * 1024, done: false });
    reporter.event({ type: 'read-progress', source: 'docker-daemon:app:1', phase: 'export', bytes: 4 * 1024 * 1024, total: 4 * 1024 * 1024, done: true });
    reporter.event({ type: 'image-started', source: 'docker-daemon:app:1', layers: 1, bytes: 2048, destinations: [{ name: 'r.io/app', tags: ['v1'] }] });
    reporter.done(result);
    expect(text.err).toContain('exporting docker-daemon:app:1 from the daemon (about 4.0 MiB)\n');
    expect(text.err).toContain('exporting docker-daemon:app:1: 0 B of about 4.0 MiB\n');
    expect(text.err).toContain('exported docker-daemon:app:1 (4.0 MiB)\n');
    expect(text.err).toContain('pushing docker-daemon:app:1 (1 layer, 2.0 KiB) to r.io/app:v1\n');
    // Once the export is done, its line leaves the block.
    expect(text.err.slice(text.err.lastIndexOf('exported'))).not.toContain('exporting');
  });
});

describe('plain reporter', () => {
  it('shows registry info, such as rate limits, with --verbose only', () => {
    const event = { type: 'registry-info' as const, registry: 'docker.io', info: { 'ratelimit-remaining': '76;w=21600' } };
    const quietish = streams(false);
    plainReporter(quietish.output, false).event(event);
    expect(quietish.text.err).toBe('');
    const verbose = streams(false);
    plainReporter(verbose.output, false, true).event(event);
    expect(verbose.text.err).toBe('docker.io: ratelimit-remaining 76;w=21600\n');
  });

  it('prints a line per state change and no escape codes', () => {
    const { output, text } = streams(false);
    const reporter = plainReporter(output, false);
    reporter.event({ type: 'blob-mounted', destination: 'r.io/b', digest, size: 1, from: 'a' });
    reporter.event({ type: 'manifest-pushed', destination: 'r.io/b', digest, reference: 'v1' });
    reporter.event({ type: 'tag-kept', destination: 'r.io/b', digest, reference: 'v2' });
    reporter.failed('registry said no', 'DENIED', 1);
    expect(text.err).toBe(`r.io/b: ${'a'.repeat(12)} mounted from a\nr.io/b: tagged v1\nr.io/b: tag v2 already names ${'a'.repeat(12)} (immutable, left as it is)\nhoist: error: registry said no\n`);
  });
});

describe('retries (issue 26: a refused port gave fifteen lines)', () => {
  const retry = (request: string, reason: string, attempt = 1) => ({ type: 'retry' as const, registry: 'r.io', request, reason, attempt, attempts: 6, waitMs: 200 });

  it("fold into one line per registry whatever each request's reason, and the count is told at the end", () => {
    const { output, text } = streams(false);
    const reporter = plainReporter(output, true);
    reporter.event(retry('HEAD /v2/a/manifests/x', 'cannot reach https://r.io: ECONNRESET'));
    reporter.event(retry('HEAD /v2/a/manifests/y', 'cannot reach https://r.io: UND_ERR_SOCKET'));
    reporter.event(retry('HEAD /v2/a/manifests/x', 'cannot reach https://r.io: ECONNRESET', 2));
    reporter.event(retry('POST /v2/a/blobs/uploads/', 'HTTP 503'));
    reporter.event({ ...retry('GET /v2/', 'HTTP 502'), registry: 'q.io' });
    reporter.failed('gave up', 'NETWORK', 1);
    expect(text.err.split('\n')).toEqual([
      'r.io: retrying HEAD /v2/a/manifests/x after cannot reach https://r.io: ECONNRESET (attempt 1 of 6 failed; waiting 0.2 s)',
      'q.io: retrying GET /v2/ after HTTP 502 (attempt 1 of 6 failed; waiting 0.2 s)',
      'r.io: 3 more retries after HTTP 503',
      'hoist: error: gave up',
      '',
    ]);
  });

  it('name blobs by their short digest, in the request and in the reason', () => {
    const { output, text } = streams(false);
    const reporter = plainReporter(output, false);
    const long = `sha256:${'b'.repeat(64)}`;
    reporter.event(retry(`upload of blob ${long} to a`, `uploading blob ${long} to a failed: registry: unexpected answer (HTTP 500)`));
    reporter.event(retry(`upload of blob ${long} to a`, 'HTTP 500', 2));
    reporter.done(result);
    expect(text.err).toBe(`r.io: retrying upload of blob ${'b'.repeat(12)} to a after uploading blob ${'b'.repeat(12)} to a failed: registry: unexpected answer (HTTP 500) (attempt 1 of 6 failed; waiting 0.2 s)\nr.io: 1 more retry after HTTP 500\n`);
  });

  it('30 s later get a line again, with the count folded since the last, on a terminal too', () => {
    const { output, text } = streams(true);
    const reporter = ttyReporter(output);
    const now = Date.now;
    try {
      reporter.event(retry('GET /v2/', 'HTTP 503'));
      reporter.event(retry('GET /v2/', 'HTTP 503', 2));
      Date.now = () => now() + 31_000;
      reporter.event(retry('GET /v2/', 'HTTP 503', 3));
    } finally {
      Date.now = now;
    }
    reporter.done(result);
    const lines = text.err.split('\n').filter((l) => l.includes('retrying'));
    expect(lines).toEqual([
      expect.stringMatching(/r\.io: retrying GET \/v2\/ after HTTP 503 \(attempt 1 of 6 failed; waiting 0\.2 s\)$/),
      expect.stringMatching(/r\.io: retrying GET \/v2\/ after HTTP 503 \(attempt 3 of 6 failed; waiting 0\.2 s; 1 more retry since the last line\)$/),
    ]);
  });
});

describe('the end line of a push whose digest changed on the way', () => {
  it('names only what changed it', () => {
    const source = `sha256:${'b'.repeat(64)}`;
    const cases: [PushResult['rewrites'], string][] = [
      [['compression'], 'layers were compressed'],
      [['platforms', 'annotations'], 'platforms were selected and annotations were set'],
      [['platforms', 'compression', 'annotations'], 'platforms were selected, layers were compressed and annotations were set'],
    ];
    for (const [rewrites, said] of cases) {
      const { output, text } = streams(false);
      plainReporter(output, false).done({ ...result, sourceDigest: source, rewrites });
      expect(text.out).toContain(`(the source's digest was ${'b'.repeat(12)}: ${said} on the way, so the pushed manifest differs)\n`);
    }
  });
});
