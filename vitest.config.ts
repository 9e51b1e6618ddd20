import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/harness/slow-first.sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Several suites mostly wait (outages, restarts): more workers than cores keeps the run short.
    maxWorkers: 4,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
