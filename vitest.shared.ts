import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * One vitest setup for every package: sources of the workspace packages (the `@hoist/source`
 * export condition) instead of their builds, a temporary directory of the run's own, removed
 * when it ends (tools/scripts/test-tmpdir.mjs), and a JSON report per package that
 * tools/scripts/test-summary.mjs adds up into the closing line of `npm test`.
 */
const root = dirname(fileURLToPath(import.meta.url));

export function hoistVitestConfig(packageDir: string, test: NonNullable<ViteUserConfig['test']> = {}): ViteUserConfig {
  return defineConfig({
    // Tests run in vite's server-side environment, which resolves with its own conditions.
    resolve: { conditions: ['@hoist/source'] },
    ssr: { resolve: { conditions: ['@hoist/source'], externalConditions: ['@hoist/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      globalSetup: [join(root, 'tools', 'scripts', 'test-tmpdir.mjs')],
      reporters: ['default', ['json', { outputFile: join(root, 'test-reports', `${basename(packageDir)}.json`) }]],
      // The adapters' conformance runs start registries and token servers: on a loaded 2-core
      // agent, vitest's 5 s default failed them for being slow, not wrong.
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
