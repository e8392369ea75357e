import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics';
import { createSqliteStore } from '../../src/store/sqlite';
import type { Store } from '../../src/store/types';
import { tempDir } from '../helpers/process';

/** /metrics gauges come from one read of the store per scrape: never one per gauge, never an old one. */
describe('the store gauges of /metrics', () => {
  it('read the store once per scrape and afresh on the next', async () => {
    const dir = tempDir('metrics-');
    const store = createSqliteStore(dir.path);
    await store.migrate();
    let reads = 0;
    const counting = new Proxy(store, {
      get: (t, k) => (k === 'health' ? () => (reads++, t.health()) : Reflect.get(t, k)),
    }) as Store;
    try {
      const metrics = createMetrics(counting);
      await store.appendDeliveries([{ provider: 'wamm', key: 'msg:1', payload: {}, receivedAt: new Date().toISOString() }]);
      expect(await metrics.registry.metrics()).toMatch(/^switchboard_deliveries_unprocessed\{provider="wamm"\} 1$/m);
      expect(reads).toBe(1);
      await store.appendDeliveries([{ provider: 'wamm', key: 'msg:2', payload: {}, receivedAt: new Date().toISOString() }]);
      expect(await metrics.registry.metrics()).toMatch(/^switchboard_deliveries_unprocessed\{provider="wamm"\} 2$/m);
      expect(reads).toBe(2);
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
