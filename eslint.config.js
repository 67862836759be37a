// Promise safety is the point: a floating promise in a socket handler or a job loses errors.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'libs/*/dist/**',
      '.data/**',
      'node_modules/**',
      '.nx/**',
      'coverage/**',
      'tools/**',
      'bench/results/**',
      'artillery/node_modules/**',
      'libs/grpc/src/generated/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
