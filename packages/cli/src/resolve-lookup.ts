import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/** `--resolve HOST:ADDRESS`, as curl has it: these names connect to these addresses; the rest use DNS. */
export function resolveLookup(map: Record<string, string>): LookupFunction | undefined {
  if (Object.keys(map).length === 0) return undefined;
  return (host, options, callback) => {
    const address = map[host.toLowerCase()];
    if (address === undefined) {
      // The system's resolver for every other name, with the options net.connect passed.
      dnsLookup(host, options, callback as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void);
      return;
    }
    const family = isIP(address);
    if (typeof options === 'object' && options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
