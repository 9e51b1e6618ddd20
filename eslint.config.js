// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const KERNEL_ONLY = {
  regex: '^(\\.\\./)+(access|service|telemetry|app)/',
  message: 'src/kernel imports no feature: move the shared part into the kernel, or pass it in.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'web/src/shared/api.gen.ts', 'scratch/**', 'node_modules/**', 'data/**', '.telemend/**', 'grafana/dashboards/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/kernel/config.ts only.' }],
    },
  },
  {
    // Requests to user-supplied URLs go through the SSRF guard (src/kernel/egress/egress.ts).
    files: ['src/**/*.ts'],
    ignores: [
      'src/kernel/egress/**',
      'src/telemetry/influx/**',
      'src/telemetry/lifecycle/telemetry-retention.admin.ts',
      'src/telemetry/external-broker/broker-admin.ts',
    ],
    rules: {
      'no-restricted-globals': [
        'error',
        {
          name: 'fetch',
          message: 'Send through src/kernel/egress (EgressPort); only operator-configured services (InfluxDB, a broker admin API) are fetched directly.',
        },
      ],
      'no-restricted-imports': ['error', { paths: [{ name: 'undici', message: 'Send through src/kernel/egress (EgressPort).' }] }],
    },
  },
  {
    // The kernel is the shared toolbox: it imports no feature and not the composition root.
    files: ['src/kernel/**/*.ts'],
    ignores: ['src/kernel/egress/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'undici', message: 'Send through src/kernel/egress (EgressPort).' }], patterns: [KERNEL_ONLY] }],
    },
  },
  {
    files: ['src/kernel/egress/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [KERNEL_ONLY] }] },
  },
  {
    // Features get what they need from their module's typed dependencies, never from the composition root.
    files: ['src/access/**/*.ts', 'src/service/**/*.ts', 'src/telemetry/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'undici', message: 'Send through src/kernel/egress (EgressPort).' }],
          patterns: [{ regex: '^(\\.\\./)+app/', message: 'Features do not import src/app: take it as a typed dependency of your module.' }],
        },
      ],
    },
  },
  {
    files: ['src/kernel/config.ts', 'test/**', 'bench/**', 'scripts/**', 'simulators/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
