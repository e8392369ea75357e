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
    // files one after another with a core idle. Two more workers than cores keep both busy.
    maxWorkers: availableParallelism() + 2,
  },
});
