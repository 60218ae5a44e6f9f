import { hoistVitestConfig } from '../../vitest.shared.js';

// Real registries, real processes: seconds, not milliseconds.
export default hoistVitestConfig(import.meta.dirname, { testTimeout: 60_000, hookTimeout: 60_000 });
