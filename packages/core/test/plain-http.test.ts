import { describe, expect, it } from 'vitest';
import { allowsPlainHttp } from '../src/registry/plain-http.js';

describe('allowsPlainHttp', () => {
  it('takes every port of a host given alone, and only the port given with one', () => {
    expect(allowsPlainHttp(['nexus.internal'], 'nexus.internal:8082')).toBe(true);
    expect(allowsPlainHttp(['nexus.internal'], 'nexus.internal')).toBe(true);
    expect(allowsPlainHttp(['NEXUS.internal:8082'], 'nexus.internal:8082')).toBe(true);
    expect(allowsPlainHttp(['nexus.internal:8082'], 'nexus.internal:8083')).toBe(false);
    expect(allowsPlainHttp(['[::1]'], '[::1]:5000')).toBe(true);
  });

  it('takes no other host, nor a name that only begins like it', () => {
    expect(allowsPlainHttp(undefined, 'nexus.internal')).toBe(false);
    expect(allowsPlainHttp(['nexus'], 'nexus.internal:8082')).toBe(false);
    expect(allowsPlainHttp(['nexus.internal'], 'evil-nexus.internal')).toBe(false);
  });
});
