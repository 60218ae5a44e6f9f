import { Transform } from 'node:stream';

/** A pass-through that shows each chunk to `observe` on its way: hashing and counting in a pipeline. */
export function tap(observe: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      observe(chunk);
      callback(null, chunk);
    },
  });
}
