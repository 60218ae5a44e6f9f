/**
 * Node prints process warnings as several lines of its own; a pipeline log gets one line of
 * ours instead. The AWS SDK's notice that future releases will need Node 22 is dropped: hoist
 * supports Node 20, and the notice is about the SDK's schedule, not about this push.
 */
const DROPPED = new Set(['NodeVersionSupportWarning']);

export function installWarningPrinter(stderr: NodeJS.WritableStream): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    // The SDK emits it as a plain Warning whose message starts with its name.
    if (DROPPED.has(warning.name) || DROPPED.has(warning.message.split(':')[0]!)) return;
    stderr.write(`hoist: warning: ${warning.message.split('\n')[0]}\n`);
  });
}
