import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcess } from '../reliability/in-process';

/** What bots record with ctx.storage.warn() (the assistant's token budget) shows in /api/health for a day, as a warning, not `degraded`. */
describe('bot warnings in /api/health', () => {
  let s: InProcess;
  beforeAll(async () => {
    s = await startInProcess({ ADMIN_TOKEN: 'bw-admin', BOTS: 'echo' });
  });
  afterAll(() => s?.stop());

  it('lists the latest warning per bot and name, and keeps the status ok', async () => {
    await s.sb.store.botStoragePut('assistant', [['warning:budget', 'token budget reached (1000 tokens today); answering with the fallback']]);
    await s.sb.store.botStoragePut('assistant', [['warning:budget', 'token budget reached (2000 tokens today); answering with the fallback']]);
    const health = (await (await fetch(`${s.url}/api/health`, { headers: { authorization: 'Bearer bw-admin' } })).json()) as any;
    expect(health.status).toBe('ok');
    expect(health.warnings).toEqual([
      expect.stringMatching(/^bot assistant: token budget reached \(2000 tokens today\); answering with the fallback \(20\d\d-/),
    ]);
  });

  it('counts atomically: the new value of each add', async () => {
    const values = await Promise.all(Array.from({ length: 20 }, () => s.sb.store.botStorageAdd('assistant', 'tokens:day:2026-12-04', 5)));
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 5 * (i + 1)));
  });
});
