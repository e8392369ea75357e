import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log';
import { startRounds } from '../../src/providers/rounds';
import type { ProviderRuntime } from '../../src/providers/types';
import { eventually } from '../helpers/process';

describe('poller rounds', () => {
  it('skip while the store cannot write and resume when it can', async () => {
    const abort = new AbortController();
    let paused = true;
    let rounds = 0;
    let recorded = 0;
    const runtime = {
      log: createLogger({ level: 'error', secrets: [] }),
      isLeader: () => true,
      storePaused: () => paused,
      recordPoll: async () => void recorded++,
      signal: abort.signal,
    } as unknown as ProviderRuntime;
    try {
      startRounds(runtime, 5, 'test poll', async () => void rounds++);
      await new Promise((r) => setTimeout(r, 50)); // several intervals pass, every one skipped
      expect(rounds).toBe(0);
      paused = false;
      await eventually(async () => rounds >= 2 && recorded >= 2);
    } finally {
      abort.abort();
    }
  });
});
