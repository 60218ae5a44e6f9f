/**
 * The first line of stdin, as `docker login --password-stdin` reads it: a trailing newline (or
 * CRLF) is not part of the password. Reading stops at the newline; the rest is left unread.
 */
export async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    const newline = buf.indexOf(0x0a);
    if (newline >= 0) {
      chunks.push(buf.subarray(0, newline));
      break;
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
}
