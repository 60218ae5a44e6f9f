/**
 * ustar archives (POSIX.1-1988) written by hand: real, reproducible image layers and archives
 * without shelling out to tar, including ones no tar tool would write (names that climb out).
 */
const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

export function singleFileTar(name: string, content: Buffer): Buffer {
  return tarOf([{ name, content }]);
}

export function tarOf(entries: readonly { name: string; content: Buffer }[]): Buffer {
  return Buffer.concat([...entries.flatMap(({ name, content }) => entry(name, content)), Buffer.alloc(BLOCK * 2)]);
}

function entry(name: string, content: Buffer): Buffer[] {
  const header = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name longer than 100 bytes: ${name}`);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(content.length, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write(' '.repeat(8), 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK);
  return [header, content, padding];
}
