import { readFile } from 'node:fs/promises';

/** One line of the registry's access log (combined log format, which distribution writes to stdout). */
export interface AccessLogEntry {
  method: string;
  /** Path and query as requested. */
  uri: string;
  status: number;
}

const LINE = /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) /;

export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) entries.push({ method: m[1]!, uri: m[2]!, status: Number(m[3]) });
  }
  return entries;
}

export async function readAccessLog(file: string): Promise<AccessLogEntry[]> {
  return parseAccessLog(await readFile(file, 'utf8'));
}
