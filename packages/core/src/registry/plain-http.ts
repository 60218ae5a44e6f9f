/**
 * Whether `--plain-http` allows plain HTTP to `registry` (host[:port]). A host given alone
 * allows every port of it, as a user who writes `--plain-http nexus.internal` for a registry at
 * nexus.internal:8082 means; with a port, that port alone. Names compare case-insensitively.
 */
export function allowsPlainHttp(allowed: readonly string[] | undefined, registry: string): boolean {
  if (!allowed || allowed.length === 0) return false;
  const wanted = registry.toLowerCase();
  const hostname = wanted.startsWith('[') ? wanted.slice(0, wanted.indexOf(']') + 1) : wanted.replace(/:\d+$/, '');
  return allowed.some((entry) => {
    const given = entry.toLowerCase();
    return given === wanted || given === hostname;
  });
}
