// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'scratch/**', 'node_modules/**', 'data/**', '.telemend/**', 'grafana/dashboards/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/platform/config.ts only.' }],
    },
  },
  {
    files: ['src/platform/config.ts', 'test/**', 'bench/**', 'scripts/**', 'simulators/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
