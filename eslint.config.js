// Lint: the recommended JS and typescript-eslint rules, plus the rules that keep core/ pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// `import { z } from 'zod'` keeps zod's whole namespace, with its ~40 locales (about 260 KB of
// every Lambda bundle); `import * as z` lets esbuild drop what is not used (bench/bundles.bench.ts).
const zodNamespaceOnly = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "import * as z from 'zod' (tree-shakes zod's locales out of the Lambda bundles).",
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', zodNamespaceOnly],
    },
  },
  {
    files: ['functions/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@aws-sdk/*', '#adapters/*', '#local/*', 'mjml'], message: 'core/ is pure: take ports as arguments.' }] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'core/ takes time as an argument.' }, { object: 'process', property: 'env', message: 'core/ reads no environment.' }],
      'no-restricted-syntax': ['error', zodNamespaceOnly, { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core/ takes time as an argument.' }],
    },
  },
);
