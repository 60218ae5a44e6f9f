// Lint for every package, run by nx as each package's `lint` target. Besides the recommended
// TypeScript rules it enforces the module boundaries: core imports no other workspace package,
// adapters import core only, and no package but the adapter chain (@hoist/adapters), the CLI
// and tools imports an adapter.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noWorkspaceImports = (allowed) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: `^@hoist/(?!(${allowed.join('|')})(/[a-z-]+)?$)`,
          message: 'module boundary: this package may not import that workspace package',
        },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-reports/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['packages/core/**/*.ts'], rules: noWorkspaceImports(['__none__']) },
  { files: ['packages/adapter-*/**/*.ts'], rules: noWorkspaceImports(['core']) },
  // An adapter's own tests run the conformance kit, as its README says.
  { files: ['packages/adapter-*/test/**/*.ts'], rules: noWorkspaceImports(['core', 'adapter-testkit']) },
  { files: ['packages/adapters/**/*.ts'], rules: noWorkspaceImports(['core', 'adapter-[a-z]+']) },
  { files: ['packages/cli/**/*.ts'], rules: noWorkspaceImports(['core', 'adapters', 'adapter-[a-z]+']) },
  {
    files: ['**/*.mjs', '**/bin/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  // The launcher and the nx generators are CommonJS on purpose (see their comments): require is how they load.
  {
    files: ['**/bin/*.cjs', 'tools/plugin/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
