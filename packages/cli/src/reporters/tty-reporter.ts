import type { PushEvent, PushResult } from '@hoist/core';
import { formatBytes, linesOf, plural, printable, shortDigest } from '../format.js';
import type { Output } from '../output.js';
import { plainReporter } from './plain-reporter.js';
import { STEP_VERBS } from './progress-line.js';
import { PushProgress } from './push-progress.js';
import { compressedLine, exportLine, retryFolder, startLine, summaryLines, type Reporter } from './reporter.js';

/**
 * For a terminal: a live block on stderr with a line per local step running (a daemon's export,
 * layers compressing), a bar per upload in flight and a tally line, redrawn in place at most
 * every REDRAW_MS. Finished blobs leave the block; the start line of each image and the summary stay.
 */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

type ScrollbackEvent = Extract<PushEvent, { type: 'retry' | 'layer-compressed' | 'image-started' | 'read-progress' }>;

interface Upload {
  label: string;
  sent: number;
  size: number;
}

export function ttyReporter(output: Output): Reporter {
  const lines = linesOf(output);
  const uploads = new Map<string, Upload>();
  const tally = { uploaded: 0, mounted: 0, present: 0, manifests: 0 };
  let drawnLines = 0;
  let lastDraw = 0;
  const retries = retryFolder();
  const reading = new PushProgress(() => Date.now());

  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    const steps = reading.reading().map(({ phase, source, amount }) => `${STEP_VERBS[phase]} ${source}: ${formatBytes(amount.bytes)}${amount.total === undefined ? '' : ` of ${amount.estimated ? 'about ' : ''}${formatBytes(amount.total)}`}`);
    const bars = [...uploads.values()].map((u) => {
      const fraction = u.size === 0 ? 1 : u.sent / u.size;
      const filled = Math.round(fraction * BAR_WIDTH);
      return `${u.label} [${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${formatBytes(u.sent)}/${formatBytes(u.size)}`;
    });
    const block = [...steps, ...bars, `${plural(tally.uploaded, 'blob')} uploaded, ${tally.mounted} mounted, ${tally.present} already present, ${plural(tally.manifests, 'manifest')}`];
    // The one raw write: this display's own cursor moves, around lines each made printable.
    output.errRaw(`${drawnLines > 0 ? `\x1b[${drawnLines}A` : ''}\x1b[J${block.map(printable).join('\n')}\n`);
    drawnLines = block.length;
  };
  /** What stays above the live block; undefined for a retry folded into an earlier line, or an export's count. */
  const scrollbackLine = (event: ScrollbackEvent): string | undefined => {
    switch (event.type) {
      case 'retry':
        return retries.line(event);
      case 'layer-compressed':
        return compressedLine(event);
      case 'image-started':
        return startLine(event);
      case 'read-progress':
        return exportLine(event);
    }
  };
  const clear = (): void => {
    if (drawnLines > 0) output.errRaw(`\x1b[${drawnLines}A\x1b[J`);
    drawnLines = 0;
  };

  return {
    event(event) {
      if (event.type === 'retry' || event.type === 'layer-compressed' || event.type === 'image-started' || event.type === 'read-progress') {
        if (event.type === 'read-progress') reading.observe(event);
        const text = scrollbackLine(event);
        if (text === undefined) {
          draw(false);
          return;
        }
        // These lines stay in the scrollback above the live block.
        clear();
        lines.err(text);
        draw(true);
        return;
      }
      // Registry info is shown with --verbose, which uses plain lines rather than this display.
      if (event.type === 'registry-info') return;
      const key = `${event.destination} ${event.digest}`;
      switch (event.type) {
        case 'blob-started':
          uploads.set(key, { label: `${event.destination} ${shortDigest(event.digest)}`, sent: 0, size: event.size });
          break;
        case 'blob-progress': {
          const upload = uploads.get(key);
          if (upload) upload.sent = event.sent;
          break;
        }
        case 'blob-uploaded':
          uploads.delete(key);
          tally.uploaded++;
          break;
        case 'blob-mounted':
          tally.mounted++;
          break;
        case 'blob-skipped':
          tally.present++;
          break;
        case 'manifest-pushed':
        case 'manifest-skipped':
          tally.manifests++;
          break;

      }
      draw(event.type !== 'blob-progress');
    },
    done(result: PushResult) {
      clear();
      retries.flush().forEach((l) => lines.err(l));
      summaryLines(result).forEach((l) => lines.out(l));
    },
    failed(message, code, exitCode) {
      clear();
      retries.flush().forEach((l) => lines.err(l));
      plainReporter(output, false).failed(message, code, exitCode);
    },
    planDone(outcomes, label) {
      clear();
      retries.flush().forEach((l) => lines.err(l));
      plainReporter(output, false).planDone(outcomes, label);
    },
  };
}
