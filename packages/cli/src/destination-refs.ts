import type { ImageReference } from '@hoist/core';
import { UsageError } from './usage-error.js';

/**
 * A registry reference as the CLI takes it: core's parser (Docker's rules), plus one refusal
 * Docker does not make. `hoist push img 127.0.0.1:5000` has forgotten the repository; Docker's
 * rules read it as Docker Hub's `library/127.0.0.1` with tag `5000`, and would offer Hub the
 * credentials meant for the local registry. A name with no slash whose first part has a dot or
 * is `localhost` names a registry, never a Hub repository anyone means.
 */
export function parseRegistryRef(text: string, parse: (text: string) => ImageReference, what: string): ImageReference {
  const name = text.split('@')[0]!;
  if (!name.includes('/')) {
    // What stands before a colon is the host (a port follows) or the repository (a tag follows).
    const host = name.startsWith('[') ? name : name.split(':')[0]!;
    if (host.includes('.') || host === 'localhost' || host.startsWith('[')) {
      throw new UsageError(`${what} "${text}" names a registry but no repository: add one, e.g. ${name}/team/app:1`);
    }
  }
  return parse(text);
}
