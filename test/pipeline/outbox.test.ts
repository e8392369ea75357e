import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';
import { Outbox } from '../../src/pipeline/outbox';
import { Pacer } from '../../src/pipeline/pacing';
import type { ProviderClient } from '../../src/providers/types';
import { createSqliteStore } from '../../src/store/sqlite';
import { eventually } from '../helpers/process';

/** The outbox on a real (in-memory) store, with a recording client and the idle rescan an hour away. */
describe('Outbox timers', () => {
  it('looks again shortly at a conversation another sender held, even when a scan found nothing else due', async () => {
    const store = createSqliteStore(':memory:');
    await store.migrate();
    const log = createLogger({ level: 'error', secrets: [] });
    const sent: string[] = [];
    const client: ProviderClient = { send: async (_c, m) => (sent.push(m.text ?? ''), { externalId: `out-${sent.length}` }) };
    const lease = { owner: 'me', ttlMs: 60_000 };
    const outbox = new Outbox(store, new Map([['telegram', client]]), new Pacer(new Map()), log, { idleScanMs: 3_600_000, lease });
    try {
      const at = new Date().toISOString();
      const [d] = await store.appendDeliveries([{ provider: 'telegram', key: 'k', payload: {}, receivedAt: at }]);
      const message = {
        type: 'message' as const,
        conversation: { provider: 'telegram', externalId: '42' },
        externalId: '42:1',
        direction: 'inbound' as const,
        author: { externalId: 'u', role: 'user' as const },
        kind: 'text' as const,
        text: 'hi',
        sentAt: at,
        status: 'received' as const,
        orderKey: 1,
        dispatch: true,
      };
      const stats = await store.applyDeliveries([{ deliveryId: d!.id!, provider: 'telegram', events: [message] }]);
      const next = (await store.nextDispatch([...stats.partitions][0]!))!;
      await store.completeDispatch({ dispatchId: next.id, outbound: [{ conversation: { id: next.conversationId! }, message: { text: 'reply' } }] });
      // Another instance is sending this conversation's replies when the scan finds ours.
      expect(await store.claimPartition(`o:${next.conversationId}`, 'other', 60_000)).toBe(true);
      outbox.kick();
      await new Promise((r) => setTimeout(r, 100));
      expect(sent).toEqual([]);
      await store.releasePartition(`o:${next.conversationId}`, 'other');
      // Looked at again within 250 ms, not when the hour-long idle timer fires.
      await eventually(async () => sent.length === 1, 3000);
      expect(sent).toEqual(['reply']);
    } finally {
      outbox.stop();
      await outbox.drained();
      await store.close();
    }
  });
});

describe('Outbox: replies offered while their conversation is sending', () => {
  it("sends them in order after the one on the wire, reading that conversation's queue instead of scanning the table", async () => {
    const real = createSqliteStore(':memory:');
    await real.migrate();
    // The real store, with its table scan counted (nothing is replaced).
    let scans = 0;
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'dueOutbox') scans++;
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const log = createLogger({ level: 'error', secrets: [] });
    const sent: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const client: ProviderClient = {
      send: async (_c, m) => {
        if (sent.length === 0) await gate; // the first reply is on the wire until the gate opens
        sent.push(m.text ?? '');
        return { externalId: `out-${sent.length}` };
      },
    };
    const outbox = new Outbox(store, new Map([['wamm', client]]), new Pacer(new Map()), log, { idleScanMs: 3_600_000, lease: { owner: 'me', ttlMs: 60_000 } });
    try {
      const at = new Date().toISOString();
      const inbound = (n: number) => ({
        type: 'message' as const,
        conversation: { provider: 'wamm', externalId: '42' },
        externalId: `in-${n}`,
        direction: 'inbound' as const,
        author: { externalId: 'u', role: 'user' as const },
        kind: 'text' as const,
        text: `hi ${n}`,
        sentAt: at,
        status: 'received' as const,
        orderKey: n,
        dispatch: true,
      });
      const reply = async (n: number, texts: string[]) => {
        const [d] = await real.appendDeliveries([{ provider: 'wamm', key: `k${n}`, payload: {}, receivedAt: at }]);
        const stats = await real.applyDeliveries([{ deliveryId: d!.id!, provider: 'wamm', events: [inbound(n)] }]);
        const next = (await real.nextDispatch([...stats.partitions][0]!))!;
        const { items } = await real.completeDispatch({ dispatchId: next.id, outbound: texts.map((text) => ({ conversation: { id: next.conversationId! }, message: { text } })) });
        outbox.offer(items);
      };
      await reply(1, ['a']);
      await eventually(async () => outbox.busy);
      await reply(2, ['b', 'c']);
      await reply(3, ['d']);
      open();
      await eventually(async () => sent.length === 4, 3000);
      await eventually(async () => !outbox.busy);
      expect(sent).toEqual(['a', 'b', 'c', 'd']);
      expect(scans).toBe(0);
    } finally {
      outbox.stop();
      await outbox.drained();
      await real.close();
    }
  });
});
