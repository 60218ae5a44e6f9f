import type { Credential } from '@hoist/core';
import { printable } from './format.js';

/**
 * Everything hoist prints goes through here. Secrets the CLI was handed (a password read from
 * stdin) are masked in every line as a last line of defence: the engine already keeps them out
 * of its messages.
 */
export interface Output {
  /** Results: the digest, JSON events. */
  out(line: string): void;
  /** Bytes exactly as given, no newline added and nothing masked (`inspect --raw`: a manifest as the registry stores it). */
  outBytes(bytes: Uint8Array): void;
  /** Progress, warnings and errors. */
  err(line: string): void;
  /** Raw terminal writes for the live progress display (stderr). */
  errRaw(text: string): void;
  readonly errIsTty: boolean;
  /** Why results could not be written (standard output on a full disk), if they could not. */
  lostOutput(): string | undefined;
  addSecret(secret: string): void;
  /** Masks a credential in every form it can travel in: the secret itself and the Basic string. */
  addCredential(credential: Credential): void;
}

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Short secrets would mask ordinary words; a real password or token is longer than this. */
const MIN_MASKED_LENGTH = 4;
/** How hoist marks text it cut short (decode's shown()). */
const CUT = '…';

export function createOutput(streams: Streams): Output {
  const secrets: string[] = [];
  const mask = (text: string): string => {
    let masked = secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
    // A registry's message is cut to a line (`…`), and a secret it quoted may be cut with it.
    if (masked.includes(CUT)) {
      for (const secret of secrets) {
        for (let kept = secret.length - 1; kept >= MIN_MASKED_LENGTH; kept--) masked = masked.split(`${secret.slice(0, kept)}${CUT}`).join(`***${CUT}`);
      }
    }
    return masked;
  };
  const addSecret = (secret: string): void => {
    // As it stands in a --json line too, where JSON escapes its quotes and backslashes, and as
    // printable() shows its control characters, before or inside JSON.
    const shown = printable(secret);
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), shown, JSON.stringify(shown).slice(1, -1)]) {
      if (form.length >= MIN_MASKED_LENGTH && !secrets.includes(form)) secrets.push(form);
    }
  };
  let lost: string | undefined;
  const failed = (stream: NodeJS.WritableStream, error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE' && stream === streams.stdout) lost ??= error.code ?? error.message;
  };
  const write = (stream: NodeJS.WritableStream, data: string | Uint8Array): void => {
    // A stream that was let go (its reader left) takes nothing more.
    if (stream.writable === false) return;
    try {
      stream.write(data);
    } catch (error) {
      // A file (`> digest.txt`) is written synchronously, and fails in write() itself.
      failed(stream, error as NodeJS.ErrnoException);
    }
  };
  // A reader that went away (`hoist adapters | head -1`) closes the pipe, and the next write
  // fails with EPIPE, which Node would raise as an uncaught error with a stack trace. The
  // command goes on without the stream and exits as its work decided: as `git log | head -1`
  // prints nothing more, but without SIGPIPE's 141, which fails a `set -o pipefail` step that
  // got the line it asked for (and a push's outcome is in the registry, not on stdout). Any
  // other failure of standard output (a full disk under `> file`) loses results: the run fails.
  for (const stream of [streams.stdout, streams.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => failed(stream, error));
  }
  return {
    out: (line) => write(streams.stdout, `${mask(line)}\n`),
    outBytes: (bytes) => write(streams.stdout, bytes),
    err: (line) => write(streams.stderr, `${mask(line)}\n`),
    errRaw: (text) => write(streams.stderr, mask(text)),
    errIsTty: streams.stderr.isTTY === true,
    lostOutput: () => lost,
    addSecret,
    addCredential(credential) {
      if (credential.kind !== 'basic') return addSecret(credential.token);
      addSecret(credential.password);
      addSecret(Buffer.from(`${credential.username}:${credential.password}`).toString('base64'));
    },
  };
}
