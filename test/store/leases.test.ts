import { describe, expect, it } from 'vitest';
import type { AppliedDelivery, OutboxItem, StoredDelivery, Store } from '../../src/store/types';
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

  it('handles a burst of claims and releases in one turn as it would one by one', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `c:${i}`);
    expect(await Promise.all(names.map((n) => t.store.claimPartition(n, 'me', 60_000)))).toEqual(names.map(() => true));
    // Renewing our own in the same burst as a stranger's attempts: ours stay ours.
    const mixed = await Promise.all(names.flatMap((n) => [t.store.claimPartition(n, 'other', 60_000), t.store.claimPartition(n, 'me', 60_000)]));
    expect(mixed).toEqual(names.flatMap(() => [false, true]));
    await Promise.all(names.map((n) => t.store.releasePartition(n, 'me')));
    expect(await Promise.all(names.map((n) => t.store.claimPartition(n, 'other', 60_000)))).toEqual(names.map(() => true));
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
    // Two conversations, one reply each: 'live' sends in the first, 'dead' (stopped) in the second.
    const chat2 = { provider: PROVIDER, externalId: 'chat-2', title: 'Chat two', address: {} };
    await deliver(t.store, [message(1, 'hi'), message(2, 'hello', { conversation: chat2 })]);
    const items = [];
    for (const partition of await t.store.pendingPartitions(10)) {
      const d = (await t.store.nextDispatch(partition))!;
      const done = await t.store.completeDispatch({ dispatchId: d.id, outbound: [{ conversation: { id: d.conversationId! }, message: { text: `r${d.id}` } }] });
      items.push(done.items[0]!);
    }
    const [first, second] = items.sort((a, b) => a.id - b.id) as [OutboxItem, OutboxItem];
    expect(await t.store.outboxMarkSending(first.id, 'live')).toBe(true);
    expect(await t.store.outboxMarkSending(first.id, 'other')).toBe(false);
    expect(await t.store.claimPartition(`o:${first.conversationId}`, 'live', 60_000)).toBe(true);
    expect(await t.store.outboxMarkSending(second.id, 'dead')).toBe(true);
    // 'live' still holds its conversation's outbox lease; 'dead' holds none.
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
