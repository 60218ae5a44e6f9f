import { hoistVitestConfig } from '../../vitest.shared.js';

// Real registries, real processes: seconds, not milliseconds.
export default hoistVitestConfig(import.meta.dirname, {
  setupFiles: ['test/cleanup.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // Cloud credential chains end at instance metadata services (AWS's, Google's); nothing here
  // may reach for them, whatever a test forgets to configure.
  env: { AWS_EC2_METADATA_DISABLED: 'true', METADATA_SERVER_DETECTION: 'none' },
});
