import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bots/**/*.test.ts'],
    globalSetup: ['test/helpers/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test files spend much of their time waiting on a server process, a socket or a timer
    // (the fault tests hold a database outage for 20 s), not on a core: with vitest's default (one
    // worker per core less one) a core sat idle. Three workers a core measured best on two cores
    // (the whole suite: 4 workers 141 s, 6 workers 115 s, 8 workers 121 s; BENCHMARKS.md).
    maxWorkers: availableParallelism() * 3,
    // A worker keeps its imported modules from one test file to the next instead of importing the
    // whole server again for each (about 0.8 s of CPU per file: 88 s of a run's import time became
    // 19 s). Safe here because no test changes process.env or a module's state for the next file:
    // every server, store and metrics registry a test makes is its own.
    isolate: false,
  },
});
