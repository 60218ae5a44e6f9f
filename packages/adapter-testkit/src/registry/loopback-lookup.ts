import type { LookupFunction } from 'node:net';

/**
 * Name resolution that sends the real service's names (`registry-1.docker.io`, a realm's
 * `auth.docker.io`) to the test registry on 127.0.0.1, and refuses any other name, so that an
 * adapter is tested under the host names it will meet without a request leaving the machine.
 * Give it to the push as `lookup`; the registry's TLS variant takes the same names as `dnsNames`.
 */
export function loopbackLookup(names?: readonly string[]): LookupFunction {
  return (host, options, callback) => {
    if (names && !names.includes(host)) {
      callback(Object.assign(new Error(`not in the test's DNS: ${host}`), { code: 'ENOTFOUND' }), '', 4);
      return;
    }
    if (typeof options === 'object' && options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
}
