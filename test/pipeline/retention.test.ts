import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log';
import { Retention } from '../../src/pipeline/retention';
import type { AppliedDelivery, StoredDelivery } from '../../src/store/types';
import { dialects, useTestDatabase } from '../store/dialects';
import { message, PROVIDER } from '../store/events';

/** Retention of the delivery log (src/pipeline/retention.ts) over the real store, on SQLite and PostgreSQL. */
describe.each(await dialects())('retention on $name', (dialect) => {
  const t = useTestDatabase(dialect);
  const lines: string[] = [];
  const log = createLogger({ level: 'info', secrets: [], stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
  const normalize = (d: StoredDelivery): AppliedDelivery => {
    const p = d.payload as { n: number; broken?: boolean };
    return p.broken
      ? { deliveryId: d.id, provider: d.provider, error: 'text: Required' }
      : { deliveryId: d.id, provider: d.provider, events: [message(p.n, `t${p.n}`)] };
  };

  it('prunes every processed delivery older than DELIVERY_RETENTION_DAYS in batches, keeps newer and quarantined ones, and dedupe still holds', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const recent = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const batch = (from: number, n: number, receivedAt: string, broken = false) =>
      Array.from({ length: n }, (_, i) => ({
        provider: PROVIDER,
        key: `k${from + i}`,
        payload: { n: from + i, broken },
        receivedAt,
        requestKey: `r${from + i}`,
      }));
    const requests = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: `r${from + i}`,
        provider: PROVIDER,
        contentType: 'application/json',
        headers: {},
        body: `{"n":${from + i}}`,
        receivedAt: old,
      }));
    await t.store.appendDeliveries(batch(0, 1250, old), requests(0, 1250));
    await t.store.appendDeliveries(batch(5000, 20, recent));
    await t.store.appendDeliveries(batch(6000, 3, old, true), requests(6000, 3));
    while ((await t.store.processDeliveries(500, normalize)).count > 0);

    const retention = new Retention(t.store, log, { days: 30, batch: 200 });
    expect(await retention.sweep()).toBe(1250);
    expect(await retention.sweep()).toBe(0);
    await retention.stop();

    const processed = await t.store.listDeliveries({ limit: 500, status: 'processed' });
    expect(
      processed
        .filter((d) => d.prunedAt === null)
        .map((d) => d.key)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `k${5000 + i}`).sort());
    const quarantined = await t.store.listDeliveries({ limit: 10, status: 'quarantined' });
    expect(quarantined).toHaveLength(3);
    for (const q of quarantined) expect((await t.store.getDelivery(q.id))!.request).not.toBeNull();
    // A provider's late retry of a pruned delivery is still a duplicate.
    expect(await t.store.appendDeliveries([{ provider: PROVIDER, key: 'k7', payload: { n: 7 }, receivedAt: old }])).toEqual([{ duplicate: true }]);
    expect(lines.some((l) => l.includes('pruned 1250 processed deliveries older than 30 days'))).toBe(true);
  });

  it('does nothing on an instance that is not the leader', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await t.store.appendDeliveries([{ provider: PROVIDER, key: 'x', payload: { n: 1 }, receivedAt: old }]);
    await t.store.processDeliveries(10, normalize);
    const follower = new Retention(t.store, log, { days: 30, active: () => false });
    expect(await follower.sweep()).toBe(0);
    expect((await t.store.listDeliveries({ limit: 10 }))[0]!.prunedAt).toBeNull();
  });

  it("lists a delivery's bot runs, done or not (what a dry-run replay runs again)", async () => {
    const [a, b] = await t.store.appendDeliveries([
      { provider: PROVIDER, key: 'a', payload: { n: 1 }, receivedAt: new Date().toISOString() },
      { provider: PROVIDER, key: 'b', payload: { n: 2 }, receivedAt: new Date().toISOString() },
    ]);
    await t.store.processDeliveries(10, normalize);
    const runs = await t.store.dispatchesOf([a!.id!, b!.id!]);
    expect(runs.map((d) => d.deliveryId)).toEqual([a!.id, b!.id]);
    expect(await t.store.dispatchesOf([9_999_999])).toEqual([]);
  });
});
