import { describe, expect, it } from 'vitest';
import { dialects, useTestDatabase } from './dialects';

/** A bot's own storage (src/store/bot-storage.ts) on SQLite and PostgreSQL: values, atomic counters from two handles, warnings. */
describe.each(await dialects())('bot storage on $name', (dialect) => {
  const t = useTestDatabase(dialect);

  it('keeps values per bot, overwrites by key, and reads many at once', async () => {
    await t.store.botStoragePut('assistant', [
      ['kchunk:m:a', { source: 'a.md', vector: [0.5, 0.25] }],
      ['kchunk:m:b', { source: 'b.md', vector: [1] }],
    ]);
    await t.store.botStoragePut('assistant', [['kchunk:m:b', { source: 'b.md', vector: [2] }]]);
    await t.store.botStoragePut('faq', [['kchunk:m:a', 'another bot']]);
    const got = await t.store.botStorageGet('assistant', ['kchunk:m:a', 'kchunk:m:b', 'kchunk:m:none']);
    expect(Object.fromEntries(got)).toEqual({ 'kchunk:m:a': { source: 'a.md', vector: [0.5, 0.25] }, 'kchunk:m:b': { source: 'b.md', vector: [2] } });
  });

  it('adds to counters atomically, also from a second handle (another instance)', async () => {
    const other = await t.db.second();
    const adds = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? other : t.store).botStorageAdd('assistant', 'tokens:day:2026-12-04', 10)));
    expect(Math.max(...adds)).toBe(300);
    expect(new Set(adds).size).toBe(30);
  });

  it('lists warnings recorded since a time, newest first', async () => {
    await t.store.botStoragePut('assistant', [['warning:budget', 'over budget']]);
    expect(await t.store.botWarnings('2000-01-01T00:00:00.000Z')).toEqual([{ bot: 'assistant', message: 'over budget', at: expect.any(String) }]);
    expect(await t.store.botWarnings('2999-01-01T00:00:00.000Z')).toEqual([]);
  });
});
