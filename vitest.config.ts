import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/harness/slow-first.sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A fork runs several files one after the other with the modules it already imported:
    // importing the platform once per file was 216 s of the run's CPU (397 s → 247 s wall on
    // 2 cores). Files do not share state: each starts its own servers, platform and database.
    isolate: false,
    // Several suites mostly wait (outages, restarts): more workers than cores keeps the run short.
    maxWorkers: 4,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
