import type { Credential } from '@hoist/core';

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

export function createOutput(streams: Streams): Output {
  const secrets: string[] = [];
  const mask = (text: string): string => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
  const addSecret = (secret: string): void => {
    if (secret.length >= MIN_MASKED_LENGTH && !secrets.includes(secret)) secrets.push(secret);
  };
  return {
    out: (line) => void streams.stdout.write(`${mask(line)}\n`),
    outBytes: (bytes) => void streams.stdout.write(bytes),
    err: (line) => void streams.stderr.write(`${mask(line)}\n`),
    errRaw: (text) => void streams.stderr.write(mask(text)),
    errIsTty: streams.stderr.isTTY === true,
    addSecret,
    addCredential(credential) {
      if (credential.kind !== 'basic') return addSecret(credential.token);
      addSecret(credential.password);
      addSecret(Buffer.from(`${credential.username}:${credential.password}`).toString('base64'));
    },
  };
}
