import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // noUncheckedIndexedAccess is on; in byte-level code `bytes[i]!` states an index known to be
      // in range, which is the point of that option.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
