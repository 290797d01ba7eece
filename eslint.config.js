// Lint: typescript-eslint's recommended rules plus knit's layering rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const kernelAccess = {
  patterns: [{
    group: ['**/platform/*', '**/platform/**'],
    message: 'Only node/, proxy/, netpol/ and cluster/ go through platform/: controllers and the API server never touch the kernel.',
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/api/**/*.ts', 'src/controllers/**/*.ts', 'src/client/**/*.ts', 'src/storage/**/*.ts', 'src/dns/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', kernelAccess] },
  },
);
