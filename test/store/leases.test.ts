import { describe, expect, it } from 'vitest';
import type { AppliedDelivery, StoredDelivery, Store } from '../../src/store/types';
import { dialects, useTestDatabase } from './dialects';
import { deliver, message, PROVIDER } from './events';

/** Leases, claims and serialized applying: what lets several instances share one database. */
describe.each(await dialects())('coordination on $name', (dialect) => {
  const t = useTestDatabase(dialect);
  const name = dialect.name;

  it('gives a partition to one owner until it is released or expires', async () => {
    expect(await t.store.claimPartition('c:1', 'a', 60_000)).toBe(true);
    expect(await t.store.claimPartition('c:1', 'a', 60_000)).toBe(true); // ours already
    expect(await t.store.claimPartition('c:1', 'b', 60_000)).toBe(false);
    expect(await t.store.renewPartition('c:1', 'b', 60_000)).toBe(false);
    expect(await t.store.renewPartition('c:1', 'a', 60_000)).toBe(true);
    await t.store.releasePartition('c:1', 'b'); // not b's: no effect
    expect(await t.store.claimPartition('c:1', 'b', 60_000)).toBe(false);
    await t.store.releasePartition('c:1', 'a');
    expect(await t.store.claimPartition('c:1', 'b', 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 5)); // b's 1 ms lease runs out (b "died")
    expect(await t.store.claimPartition('c:1', 'a', 60_000)).toBe(true);
    expect(await t.store.renewPartition('c:1', 'b', 60_000)).toBe(false);
  });

  it('lets exactly one of many concurrent claimers win', async () => {
    const other = await t.db.second();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : t.store).claimPartition('leader', `owner-${i}`, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('does not offer partitions another live instance holds', async () => {
    await deliver(t.store, [message(1, 'a', { conversation: { provider: PROVIDER, externalId: 'x' } })]);
    await deliver(t.store, [message(2, 'b', { conversation: { provider: PROVIDER, externalId: 'y' } })]);
    const all = await t.store.pendingPartitions(10);
    expect(all).toHaveLength(2);
    expect(await t.store.claimPartition(all[0]!, 'peer', 60_000)).toBe(true);
    expect(await t.store.pendingPartitions(10, 'me')).toEqual([all[1]]);
    expect((await t.store.pendingPartitions(10, 'peer')).sort()).toEqual([...all].sort());
  });

  it('claims an outbox item once and recovers only sends whose instance stopped', async () => {
    await deliver(t.store, [message(1, 'hi')]);
    const d = (await t.store.nextDispatch((await t.store.pendingPartitions(1))[0]!))!;
    const outbound = [1, 2].map((n) => ({ conversation: { id: d.conversationId! }, message: { text: `r${n}` } }));
    await t.store.completeDispatch({ dispatchId: d.id, outbound });
    // dueOutbox gives only a conversation's head; the second reply is the next row of the same commit.
    const [first] = await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10);
    const second = { id: first!.id + 1 };
    expect(await t.store.outboxMarkSending(first!.id, 'live')).toBe(true);
    expect(await t.store.outboxMarkSending(first!.id, 'other')).toBe(false);
    expect(await t.store.claimPartition(`o:${d.conversationId}`, 'live', 60_000)).toBe(true);
    expect(await t.store.outboxMarkSending(second!.id, 'dead')).toBe(true);
    // 'live' still holds the conversation's outbox lease; 'dead' holds none.
    const interrupted = await t.store.outboxInterrupted('me');
    expect(interrupted).toHaveLength(name === 'sqlite' ? 2 : 1);
    expect(interrupted.map((o) => o.id)).toContain(second.id);
    expect((await t.store.outboxInterrupted('live')).map((o) => o.id)).toEqual([second.id]);
  });

  it('processDeliveries applies in stored order, once, also when two handles race', async () => {
    const other = await t.db.second();
    const keys = Array.from({ length: 30 }, (_, i) => i);
    for (const i of keys) await t.store.appendDeliveries([{ provider: PROVIDER, key: `k${i}`, payload: { i }, receivedAt: new Date().toISOString() }]);
    const seen: number[] = [];
    const normalize = (d: StoredDelivery): AppliedDelivery => {
      const i = (d.payload as { i: number }).i;
      seen.push(i);
      return { deliveryId: d.id, provider: d.provider, events: [message(i + 1, `t${i}`)] };
    };
    const drain = async (s: Store) => {
      let dispatches = 0;
      for (let r = await s.processDeliveries(7, normalize); r.count > 0; r = await s.processDeliveries(7, normalize)) dispatches += r.stats.dispatches;
      return dispatches;
    };
    const [a, b] = await Promise.all([drain(t.store), drain(other)]);
    expect(a + b).toBe(30);
    expect(seen).toEqual(keys);
    expect(await t.store.pendingDeliveries(100, 0)).toEqual([]);
  });
});
