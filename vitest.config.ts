import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // one temporary directory per run, removed at the end (test/support/global-tmp.ts)
    globalSetup: ['test/support/global-tmp.ts'],
    // vitest's default is one worker fewer than the cores: one on a two-core machine, so every file ran after
    // the other. Most files wait on child processes, sockets and timers: three at once keep both cores busy
    // (the whole suite took 599 s with three, 730 s with two, on the two-core machine of BENCHMARKS.md).
    maxWorkers: 3,
    // the slowest files first (test/support/sequencer.ts)
    sequence: { sequencer: SlowestFirst },
  },
});
