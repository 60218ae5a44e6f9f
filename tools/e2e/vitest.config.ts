import { hoistVitestConfig } from '../../vitest.shared.js';

// Real registries, real processes: seconds, not milliseconds.
export default hoistVitestConfig(import.meta.dirname, {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // The AWS SDK's credential chain ends at the instance metadata service; nothing here may
  // reach for it, whatever a test forgets to configure.
  env: { AWS_EC2_METADATA_DISABLED: 'true' },
});
