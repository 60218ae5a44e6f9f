import { describe, expect, it } from 'vitest';
import { gcrAdapter, GCR_CAPABILITIES, isGoogleRegistry } from '../src/index.js';

describe('Google registry hosts', () => {
  it.each(['gcr.io', 'eu.gcr.io', 'us.gcr.io', 'asia.gcr.io', 'europe-west1-docker.pkg.dev', 'us-docker.pkg.dev', 'GCR.IO', 'us-docker.pkg.dev:8443'])('claims %s', (host) => {
    expect(isGoogleRegistry(host)).toBe(true);
  });

  it.each(['docker.io', 'gcr.io.evil.example', 'evilgcr.io', 'pkg.dev', 'europe-west1-python.pkg.dev', 'ghcr.io'])('leaves %s alone', (host) => {
    expect(gcrAdapter().matches(host)).toBe(false);
  });

  it('sends blobs whole: Artifact Registry refuses chunked uploads', () => {
    expect(GCR_CAPABILITIES.upload).toBe('monolithic');
  });
});
