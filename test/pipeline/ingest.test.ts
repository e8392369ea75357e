import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ingest } from '../../src/pipeline/ingest';
import { createSqliteStore } from '../../src/store/sqlite';

describe('Ingest (group commit)', () => {
  const store = createSqliteStore(':memory:');
  afterEach(() => vi.restoreAllMocks());

  it('commits many concurrent deliveries in a few shared transactions, each resolved after its commit', async () => {
    await store.migrate();
    const commits = vi.spyOn(store, 'appendDeliveries');
    let committed = 0;
    const ingest = new Ingest(store, () => committed++);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => ingest.append('wamm', [{ key: `msg:${i % 400}`, payload: { i } }])));
    expect(commits.mock.calls.length).toBeLessThanOrEqual(3);
    expect(committed).toBe(commits.mock.calls.length);
    const flat = results.flat();
    expect(flat.filter((r) => !r.duplicate)).toHaveLength(400);
    expect(flat.filter((r) => r.duplicate)).toHaveLength(100);
    expect(new Set(flat.filter((r) => r.id).map((r) => r.id)).size).toBe(400);
    expect(await store.pendingDeliveries(1000, 0)).toHaveLength(400);
    const [h] = await store.health();
    expect(h).toMatchObject({ provider: 'wamm', deliveries: 400, duplicates: 100 });
  });
});
