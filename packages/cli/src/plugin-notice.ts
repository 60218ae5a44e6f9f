import type { AdapterChain } from '@hoist/adapters';
import { jsonLine, printable } from './format.js';
import type { Output } from './output.js';

/** An adapter that is not hoist's own: a plugin given with --adapter, named in HOIST_ADAPTERS, or installed beside hoist. */
export interface ThirdPartyAdapter {
  name: string;
  package?: { name: string; version: string };
  file: string;
  from: 'given' | 'HOIST_ADAPTERS' | 'found';
}

export function thirdPartyAdapters(chain: AdapterChain): ThirdPartyAdapter[] {
  return chain.origins.flatMap((origin, i) =>
    origin.kind === 'given' || origin.kind === 'HOIST_ADAPTERS' || origin.kind === 'found'
      ? [{ name: chain.adapters[i]!.name, ...(origin.package ? { package: origin.package } : {}), file: origin.file, from: origin.kind }]
      : [],
  );
}

/**
 * Says which code from outside hoist this run loaded (it sees the run's environment and the
 * credential chain): one line on stderr, and with --json an `adapters` event on stdout. Nothing
 * when there is none, so an ordinary push prints no more than before.
 */
export function announceThirdPartyAdapters(chain: AdapterChain, output: Output, json: boolean): void {
  const loaded = thirdPartyAdapters(chain);
  if (loaded.length === 0) return;
  const named = loaded.map((a) => `${printable(a.package ? `${a.package.name}@${a.package.version}` : a.name)} (${printable(a.file)})`);
  output.err(`hoist: adapters loaded from outside hoist: ${named.join(', ')}`);
  if (json) output.out(jsonLine({ type: 'adapters', thirdParty: loaded }));
}
