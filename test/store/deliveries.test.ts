import { describe, expect, it } from 'vitest';
import type { AppliedDelivery, StoredDelivery } from '../../src/store/types';
import { dialects, useTestDatabase } from './dialects';
import { message, PROVIDER } from './events';

/** The delivery log's store operations (src/store/deliveries.ts, replay in sql-store.ts), on SQLite and PostgreSQL. */
describe.each(await dialects())('delivery log on $name', (dialect) => {
  const t = useTestDatabase(dialect);

  const request = (key: string, body: string) => ({
    key,
    provider: PROVIDER,
    contentType: 'application/json',
    headers: { 'user-agent': 'test' },
    body,
    receivedAt: '2026-01-01T00:00:00.000Z',
  });

  /** Reads payload `{ text }` as one message; `{ broken: true }` the way a schema that cannot read it does. */
  const normalize = (d: StoredDelivery): AppliedDelivery => {
    const p = d.payload as { n: number; text?: string; broken?: boolean };
    if (p.broken || p.text === undefined) return { deliveryId: d.id, provider: d.provider, error: 'text: Required' };
    return { deliveryId: d.id, provider: d.provider, events: [message(p.n, p.text)] };
  };

  it('keeps each raw body once per request, only when one of its deliveries is new, and lists newest first with a cursor', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const body = '[{"n":1},{"n":2}]';
    await t.store.appendDeliveries(
      [
        { provider: PROVIDER, key: 'a', payload: { n: 1 }, receivedAt: at, requestKey: 'r1' },
        { provider: PROVIDER, key: 'b', payload: { n: 2 }, receivedAt: at, requestKey: 'r1' },
      ],
      [request('r1', body)],
    );
    // A retry: every delivery a duplicate, so its body is not kept.
    await t.store.appendDeliveries([{ provider: PROVIDER, key: 'a', payload: { n: 1 }, receivedAt: at, requestKey: 'r2' }], [request('r2', body)]);
    await t.store.appendDeliveries([{ provider: 'other', key: 'c', payload: { n: 3 }, receivedAt: '2026-01-02T00:00:00.000Z' }]);

    const all = await t.store.listDeliveries({ limit: 10 });
    expect(all.map((d) => d.key)).toEqual(['c', 'b', 'a']);
    const page = await t.store.listDeliveries({ limit: 1, beforeId: all[0]!.id });
    expect(page.map((d) => d.key)).toEqual(['b']);
    expect((await t.store.listDeliveries({ limit: 10, provider: 'other' })).map((d) => d.key)).toEqual(['c']);
    expect((await t.store.listDeliveries({ limit: 10, since: '2026-01-01T12:00:00.000Z' })).map((d) => d.key)).toEqual(['c']);

    const a = await t.store.getDelivery(all[2]!.id);
    expect(a).toMatchObject({
      key: 'a',
      status: 'pending',
      payload: { n: 1 },
      request: { body, headers: { 'user-agent': 'test' }, contentType: 'application/json' },
    });
    expect((await t.store.getDelivery(all[0]!.id))!.request).toBeNull();
    expect(await t.store.getDelivery(999_999)).toBeUndefined();
  });

  it('quarantines what normalize cannot read, counts it, and a replay with code that reads it applies it once', async () => {
    const at = new Date().toISOString();
    const [ok, bad] = await t.store.appendDeliveries([
      { provider: PROVIDER, key: 'ok', payload: { n: 1, text: 'hi' }, receivedAt: at },
      { provider: PROVIDER, key: 'bad', payload: { n: 2, broken: true }, receivedAt: at },
    ]);
    await t.store.processDeliveries(10, normalize);
    const quarantined = await t.store.listDeliveries({ limit: 10, status: 'quarantined' });
    expect(quarantined.map((d) => [d.id, d.reason])).toEqual([[bad!.id, 'text: Required']]);
    expect((await t.store.health()).find((h) => h.provider === PROVIDER)).toMatchObject({ quarantined: 1 });

    // The same code: still quarantined, nothing applied.
    const still = await t.store.replayDeliveries([bad!.id!], normalize);
    expect(still.outcomes).toEqual([
      { id: bad!.id, provider: PROVIDER, before: 'quarantined', status: 'quarantined', reason: 'text: Required', events: 0, dispatches: 0 },
    ]);

    // A newer normalizer that reads it: one event, one bot run; replaying again changes nothing.
    const newer = (d: StoredDelivery): AppliedDelivery => ({
      deliveryId: d.id,
      provider: d.provider,
      events: [message((d.payload as { n: number }).n, 'read now')],
    });
    const first = await t.store.replayDeliveries([bad!.id!], newer);
    expect(first.outcomes[0]).toMatchObject({ before: 'quarantined', status: 'processed', events: 1, dispatches: 1 });
    expect(first.stats.partitions.size).toBe(1);
    const again = await t.store.replayDeliveries([bad!.id!, ok!.id!], newer);
    expect(again.outcomes.map((o) => [o.before, o.status, o.dispatches])).toEqual([
      ['processed', 'processed', 0],
      ['processed', 'processed', 0],
    ]);
    expect((await t.store.health()).find((h) => h.provider === PROVIDER)).toMatchObject({ quarantined: 0 });
  });

  it('discards quarantined deliveries (the dedupe row stays) and prunes old processed ones in small batches', async () => {
    const old = '2025-01-01T00:00:00.000Z';
    const rows = await t.store.appendDeliveries(
      Array.from({ length: 7 }, (_, i) => ({ provider: PROVIDER, key: `k${i}`, payload: { n: i, text: `t${i}` }, receivedAt: old, requestKey: `r${i}` })),
      Array.from({ length: 7 }, (_, i) => request(`r${i}`, `{"n":${i}}`)),
    );
    const [fresh] = await t.store.appendDeliveries([{ provider: PROVIDER, key: 'new', payload: { n: 9, text: 'x' }, receivedAt: new Date().toISOString() }]);
    const [q] = await t.store.appendDeliveries(
      [{ provider: PROVIDER, key: 'q', payload: { n: 10, broken: true }, receivedAt: old, requestKey: 'rq' }],
      [request('rq', '{}')],
    );
    await t.store.processDeliveries(100, normalize);

    const cutoff = '2025-06-01T00:00:00.000Z';
    expect(await t.store.pruneDeliveries(cutoff, 3)).toBe(3);
    expect(await t.store.pruneDeliveries(cutoff, 3)).toBe(3);
    expect(await t.store.pruneDeliveries(cutoff, 3)).toBe(1);
    expect(await t.store.pruneDeliveries(cutoff, 3)).toBe(0);
    const pruned = await t.store.getDelivery(rows[0]!.id!);
    expect(pruned).toMatchObject({ status: 'processed', payload: null, request: null });
    expect(pruned!.prunedAt).not.toBeNull();
    expect((await t.store.getDelivery(fresh!.id!))!.payload).toMatchObject({ n: 9 });
    // Quarantined ones are never pruned, and a pruned delivery is still a duplicate.
    expect((await t.store.getDelivery(q!.id!))!.request).not.toBeNull();
    expect(await t.store.appendDeliveries([{ provider: PROVIDER, key: 'k0', payload: {}, receivedAt: old }])).toEqual([{ duplicate: true }]);
    const replayPruned = await t.store.replayDeliveries([rows[0]!.id!], normalize);
    expect(replayPruned.outcomes[0]).toMatchObject({ pruned: true, dispatches: 0 });

    expect(await t.store.discardDeliveries([q!.id!, rows[1]!.id!])).toBe(1);
    expect(await t.store.getDelivery(q!.id!)).toMatchObject({ status: 'discarded', payload: null, request: null, reason: 'text: Required' });
    expect(await t.store.appendDeliveries([{ provider: PROVIDER, key: 'q', payload: {}, receivedAt: old }])).toEqual([{ duplicate: true }]);
  });

  it('counts rejected requests and recovered messages per provider', async () => {
    await t.store.countRejected(PROVIDER);
    await t.store.countRejected(PROVIDER);
    const at = new Date().toISOString();
    const [d] = await t.store.appendDeliveries([{ provider: PROVIDER, key: 'polled', payload: {}, receivedAt: at, recovered: true }]);
    expect((await t.store.pendingDeliveries(10, 0))[0]!.recovered).toBe(true);
    await t.store.applyDeliveries([{ deliveryId: d!.id!, provider: PROVIDER, events: [message(1, 'late', { meta: { recovered: { lateMs: 5000 } } })] }]);
    // The same message again (the webhook came after all) is no second recovery.
    await t.store.applyDeliveries([{ deliveryId: d!.id!, provider: PROVIDER, events: [message(1, 'late', { meta: { recovered: { lateMs: 5000 } } })] }]);
    expect((await t.store.health()).find((h) => h.provider === PROVIDER)).toMatchObject({ rejected: 2, recovered: 1 });
  });
});
