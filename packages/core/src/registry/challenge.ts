/**
 * WWW-Authenticate challenges (RFC 7235 §4.1) as registries send them: `Basic realm="..."` or
 * `Bearer realm="...",service="...",scope="..."`. Parameter values may be quoted strings with
 * backslash escapes, or bare tokens; a header may hold several challenges separated by commas.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const SPACE = /[ \t]*/y;

export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let pos = 0;

  const skipSpace = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(header);
    pos = SPACE.lastIndex;
  };
  const readToken = (): string | undefined => {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    pos = TOKEN.lastIndex;
    return m[0];
  };
  const readQuoted = (): string => {
    let out = '';
    pos++; // opening quote
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === '\\' && pos + 1 < header.length) pos++;
      out += header[pos];
      pos++;
    }
    pos++; // closing quote
    return out;
  };

  while (pos < header.length) {
    skipSpace();
    if (header[pos] === ',') {
      pos++;
      continue;
    }
    const scheme = readToken();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // auth-params: name=value pairs separated by commas, until the next scheme token.
    for (;;) {
      skipSpace();
      const start = pos;
      const name = readToken();
      if (!name) break;
      skipSpace();
      if (header[pos] !== '=') {
        pos = start; // a new challenge's scheme, not a parameter
        break;
      }
      pos++;
      skipSpace();
      const value = header[pos] === '"' ? readQuoted() : (readToken() ?? '');
      challenge.params[name.toLowerCase()] = value;
      skipSpace();
      if (header[pos] === ',') pos++;
    }
  }
  return challenges;
}
