import type { RegistryAdapter } from '@hoist/core';

/**
 * The adapter with some of its methods wrapped, for counting calls: a proxy rather than a copy,
 * so that an adapter written as a class keeps its prototype and its `this`.
 */
export function observed(adapter: RegistryAdapter, overrides: Partial<RegistryAdapter>): RegistryAdapter {
  return new Proxy(adapter, {
    get: (target, key, receiver) => (Object.hasOwn(overrides, key) ? overrides[key as keyof RegistryAdapter] : Reflect.get(target, key, receiver)),
  });
}
