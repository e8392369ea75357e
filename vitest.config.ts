import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bots/**/*.test.ts'],
    globalSetup: ['test/helpers/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test files spend their time waiting on a server process, a socket or a timer, not on a
    // core: vitest's default (one worker per core less one: a single worker on two cores) ran the
    // files one after another with a core idle. Two more workers than cores keep both busy; three a
    // core measured no better (two alternating runs each on two cores: 4 workers 132 and 153 s,
    // 6 workers 153 and 167 s).
    maxWorkers: availableParallelism() + 2,
    // A worker keeps its imported modules from one test file to the next instead of importing the
    // whole server again for each (about 0.8 s of CPU per file: 88 s of a run's import time became
    // 19 s). Safe here because no test changes process.env or a module's state for the next file:
    // every server, store and metrics registry a test makes is its own.
    isolate: false,
  },
});
