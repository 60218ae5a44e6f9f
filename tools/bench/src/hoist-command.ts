import { fileURLToPath } from 'node:url';

/** The `hoist` launcher of this workspace's build, as every scenario runs it (with `process.execPath`). */
export const HOIST = fileURLToPath(new URL('../../../packages/cli/bin/hoist.cjs', import.meta.url));
