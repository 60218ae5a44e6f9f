import { Transform, type TransformCallback } from 'node:stream';
import { PushError } from '../errors.js';

/**
 * Fails an upload body that stops moving. When the registry (or a proxy) stops reading, the
 * socket's buffers fill and no more bytes pass here; after `stallMs` of that the stream errors,
 * which aborts the request so it can be retried, instead of hanging until a distant timeout.
 */
export class StallGuard extends Transform {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stallMs: number,
    private readonly what: string,
  ) {
    super();
    this.arm();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.arm();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearTimeout(this.timer);
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(error);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.destroy(new PushError('TIMEOUT', `${this.what} stalled: no bytes moved for ${Math.round(this.stallMs / 1000)} s`));
    }, this.stallMs);
    this.timer.unref();
  }
}
