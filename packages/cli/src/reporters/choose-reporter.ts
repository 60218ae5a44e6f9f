import type { Output } from '../output.js';
import type { PushArgs } from '../push-args.js';
import { jsonReporter } from './json-reporter.js';
import { plainReporter } from './plain-reporter.js';
import type { Reporter } from './reporter.js';
import { ttyReporter } from './tty-reporter.js';

/** JSON lines with --json; a live display on a terminal; plain lines for logs, --quiet and --verbose. */
export function chooseReporter(args: PushArgs, output: Output): Reporter {
  if (args.json) return jsonReporter(output);
  if (output.errIsTty && !args.quiet && !args.verbose) return ttyReporter(output);
  return plainReporter(output, args.quiet, args.verbose);
}
