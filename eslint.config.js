// Type-aware lint: the rules that catch real bugs in async, replicated code
// (floating promises, misused promises, unsafe any) plus unused code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['src/proto-gen/**', 'dist/**', 'node_modules/**', 'coverage/**', 'jepsen/store/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      'no-console': 'error',
    },
  },
  {
    // Functions a reader can hold in their head (docs/architecture.md); generated code is ignored above.
    files: ['src/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 70, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // The Raft core is a pure state machine (DESIGN.md §2).
    files: ['src/raft/**'],
    rules: {
      'no-restricted-globals': ['error', 'Date', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'performance'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'inject an RNG' }],
      'no-restricted-imports': ['error', { patterns: ['node:*', '../*', 'fs', 'os', 'crypto'] }],
    },
  },
  {
    // Tests, simulator, benchmarks and CLIs may print; the library may not.
    files: ['test/**', 'bench/**', 'cmd/**', 'jepsen/**'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
