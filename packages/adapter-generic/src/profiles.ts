import type { RegistryCapabilities } from '@hoist/core';

/**
 * Quirks of well-known registries that need no adapter of their own, as data (regclient's
 * config.Host idea). Anything not listed gets the engine's defaults; Harbor's refused mounts
 * and the like need no entry, since the engine falls back to an upload on any refused mount.
 */
const MiB = 1024 * 1024;

export const REGISTRY_PROFILES: Readonly<Record<string, Partial<RegistryCapabilities>>> = {
  // GitHub's registry rejects PATCH chunks above 4 MiB: one PUT per blob, and a cap for adapters
  // or options that switch to chunked uploads.
  'ghcr.io': { upload: 'monolithic', maxChunkSize: 4 * MiB },
  // Quay mounts only with a `from` repository, which hoist always names.
  'quay.io': { mount: true },
};
