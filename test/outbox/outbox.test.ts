import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log';
import { Outbox } from '../../src/outbox/outbox';
import { Pacer } from '../../src/outbox/pacing';
import type { Conversation } from '../../src/model';
import type { ProviderClient } from '../../src/providers/types';
import { createSqliteStore } from '../../src/store/sqlite';
import type { OutboxItem, Store } from '../../src/store/types';
import { eventually } from '../helpers/process';

/** Commit message n of `chat` and a bot's replies to it, as the processor and a bot run would; returns the replies' outbox items. */
async function commitReplies(
  store: Store,
  provider: string,
  chat: string,
  n: number,
  texts: string[],
  conversationRead?: (c: Conversation) => Conversation,
): Promise<OutboxItem[]> {
  const at = new Date().toISOString();
  const [d] = await store.appendDeliveries([{ provider, key: `${chat}:${n}`, payload: {}, receivedAt: at }]);
  const event = {
    type: 'message' as const,
    conversation: { provider, externalId: chat },
    externalId: `${chat}:${n}`,
    direction: 'inbound' as const,
    author: { externalId: 'u', role: 'user' as const },
    kind: 'text' as const,
    text: `hi ${n}`,
    sentAt: at,
    status: 'received' as const,
    orderKey: n,
    dispatch: true,
  };
  const stats = await store.applyDeliveries([{ deliveryId: d!.id!, provider, events: [event] }]);
  const next = (await store.nextDispatch([...stats.partitions][0]!))!;
  const read = conversationRead?.((await store.getConversation(next.conversationId!))!);
  const { items } = await store.completeDispatch({
    dispatchId: next.id,
    outbound: texts.map((text) => ({ conversation: { id: next.conversationId! }, message: { text }, conversationRead: read })),
  });
  return items;
}

/** A real in-memory store, and the same store with the calls of one method counted (nothing is replaced). */
async function counting(method: keyof Store) {
  const real = createSqliteStore(':memory:');
  await real.migrate();
  let n = 0;
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === method) n++;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { real, store, calls: () => n };
}

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
      const [item] = await commitReplies(store, 'telegram', '42', 1, ['reply']);
      // Another instance is sending this conversation's replies when the scan finds ours.
      expect(await store.claimPartition(`o:${item!.conversationId}`, 'other', 60_000)).toBe(true);
      outbox.kick();
      await new Promise((r) => setTimeout(r, 100));
      expect(sent).toEqual([]);
      await store.releasePartition(`o:${item!.conversationId}`, 'other');
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
    const { real, store, calls } = await counting('dueOutbox');
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
      const reply = async (n: number, texts: string[]) => outbox.offer(await commitReplies(real, 'wamm', '42', n, texts));
      await reply(1, ['a']);
      await eventually(async () => outbox.busy);
      await reply(2, ['b', 'c']);
      await reply(3, ['d']);
      open();
      await eventually(async () => sent.length === 4, 3000);
      await eventually(async () => !outbox.busy);
      expect(sent).toEqual(['a', 'b', 'c', 'd']);
      expect(calls()).toBe(0);
    } finally {
      outbox.stop();
      await outbox.drained();
      await real.close();
    }
  });
});

describe('Outbox: the conversation a send goes to', () => {
  it('is the one a bot run read and handed on with its replies, else read from the store once per conversation', async () => {
    const { real, store, calls } = await counting('getConversation');
    const log = createLogger({ level: 'error', secrets: [] });
    const sent: [string, unknown][] = [];
    const client: ProviderClient = { send: async (c, m) => (sent.push([m.text ?? '', c.address]), { externalId: `out-${sent.length}` }) };
    const outbox = new Outbox(store, new Map([['wamm', client]]), new Pacer(new Map()), log, { idleScanMs: 3_600_000, lease: { owner: 'me', ttlMs: 60_000 } });
    try {
      // Handed on: the run's view is used as it is (here it differs from the row, to tell them apart).
      const handed = await commitReplies(real, 'wamm', '42', 1, ['a', 'b'], (c) => ({ ...c, address: { phone: 'as read' } }));
      expect(handed[0]!.conversation).toMatchObject({ externalId: '42', address: { phone: 'as read' } });
      outbox.offer(handed);
      await eventually(async () => sent.length === 2, 3000);
      expect(sent).toEqual([
        ['a', { phone: 'as read' }],
        ['b', { phone: 'as read' }],
      ]);
      expect(calls()).toBe(0);
      // Read back from the store (no run's view): the row, read once for the conversation's two replies.
      const stored = await commitReplies(real, 'wamm', '43', 1, ['c', 'd']);
      expect(stored[0]!.conversation).toBeUndefined();
      outbox.offer(stored);
      await eventually(async () => sent.length === 4, 3000);
      expect(sent.slice(2)).toEqual([
        ['c', {}],
        ['d', {}],
      ]);
      expect(calls()).toBe(1);
    } finally {
      outbox.stop();
      await outbox.drained();
      await real.close();
    }
  });
});

describe('Outbox: requests on the wire per provider (OUTBOX_CONCURRENCY)', () => {
  async function setup(maxInFlight: number) {
    const store = createSqliteStore(':memory:');
    await store.migrate();
    const log = createLogger({ level: 'error', secrets: [] });
    const gates: (() => void)[] = [];
    const sent: string[] = [];
    let onWire = 0;
    let most = 0;
    const client: ProviderClient = {
      send: async (_c, m) => {
        most = Math.max(most, ++onWire);
        await new Promise<void>((r) => gates.push(r));
        onWire--;
        sent.push(m.text ?? '');
        return { externalId: `out-${sent.length}` };
      },
    };
    const outbox = new Outbox(store, new Map([['wamm', client]]), new Pacer(new Map()), log, {
      idleScanMs: 3_600_000,
      maxInFlight,
      lease: { owner: 'me', ttlMs: 60_000 },
    });
    // One reply in each of n conversations, committed and offered as a bot run would.
    const replies = async (n: number) => {
      for (let i = 0; i < n; i++) outbox.offer(await commitReplies(store, 'wamm', `chat-${i}`, 1, [`r${i}`]));
    };
    return { store, outbox, replies, gates, sent, most: () => most };
  }

  it('keeps at most maxInFlight requests on the wire and sends the rest as slots free up', async () => {
    const t = await setup(2);
    try {
      await t.replies(5);
      await eventually(async () => t.gates.length === 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(t.gates.length).toBe(2); // the other three wait for a slot, not on the wire
      while (t.sent.length < 5) {
        await eventually(async () => t.gates.length > 0);
        t.gates.shift()!();
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(t.most()).toBe(2);
      expect([...t.sent].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    } finally {
      t.outbox.stop();
      for (const open of t.gates) open();
      await t.outbox.drained();
      await t.store.close();
    }
  });

  it('leaves replies still waiting for a slot plainly pending when it stops', async () => {
    const t = await setup(1);
    try {
      await t.replies(3);
      await eventually(async () => t.gates.length === 1);
      t.outbox.stop();
      t.gates.shift()!();
      await t.outbox.drained();
      const due = await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10);
      // The one on the wire finished; the two that waited were never marked `sending`.
      expect(t.sent).toHaveLength(1);
      expect(due.map((i) => [i.message.text, i.status, i.attempts])).toEqual(
        ['r0', 'r1', 'r2'].filter((r) => !t.sent.includes(r)).map((r) => [r, 'pending', 0]),
      );
    } finally {
      await t.store.close();
    }
  });
});
