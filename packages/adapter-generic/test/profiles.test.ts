import { describe, expect, it } from 'vitest';
import { genericAdapter } from '../src/index.js';

describe('capability profiles of well-known registries', () => {
  it('caps ghcr.io chunks at 4 MiB and sends its blobs whole', () => {
    expect(genericAdapter().capabilities('ghcr.io')).toEqual({ upload: 'monolithic', mount: true, maxChunkSize: 4 * 1024 * 1024 });
  });

  it('gives unknown registries the defaults, and the caller the last word', () => {
    expect(genericAdapter().capabilities('registry.example.com')).toEqual({ upload: 'monolithic', mount: true });
    expect(genericAdapter({ capabilities: { upload: 'chunked', chunkSize: 1024 * 1024 } }).capabilities('GHCR.io')).toEqual({
      upload: 'chunked',
      mount: true,
      chunkSize: 1024 * 1024,
      maxChunkSize: 4 * 1024 * 1024,
    });
  });
});
