import { afterEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import echo from '../../bots/echo';
import { BotRuntime } from '../../src/bots/runtime';
import { createLogger } from '../../src/base/log';
import type { MessageEvent } from '../../src/model';
import { Dispatcher } from '../../src/pipeline/dispatcher';
import { createSqliteStore } from '../../src/store/sqlite';
import type { SqlStore } from '../../src/store/sql-store';
import type { OutboxItem } from '../../src/store/types';
import { eventually } from '../helpers/process';

/**
 * The dispatcher runs what the processor offers without scanning for it, and after a run looks for
 * more only when its last look saw more or more was offered. A delivery carrying several messages
 * of one conversation gives that conversation several dispatches in one offer: all must run.
 */
describe('dispatcher hand-off', () => {
  let kit: TestKit;
  afterEach(() => kit?.close());

  const msg = (n: number, conversation: string): MessageEvent => ({
    type: 'message',
    conversation: { provider: 'telegram', externalId: conversation },
    externalId: `${conversation}:${n}`,
    direction: 'inbound',
    author: { externalId: `u-${conversation}`, role: 'user' },
    kind: 'text',
    text: `m${n}`,
    sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    status: 'received',
    orderKey: n,
    dispatch: true,
  });

  /**
   * A dispatcher on a real in-memory store with the echo bot, its idle rescan an hour away (so
   * whatever offers and timers do not run stays pending), given one stored delivery of `events`.
   */
  async function withDispatcher(
    events: MessageEvent[],
    fn: (t: { store: SqlStore; dispatcher: Dispatcher; replies: OutboxItem[]; partitions: Set<string> }) => Promise<void>,
  ) {
    const store = createSqliteStore(':memory:');
    await store.migrate();
    const log = createLogger({ level: 'error', secrets: [] });
    const runtime = new BotRuntime(store, [{ bot: echo }], new Map([['telegram', { reply: true }]]), log);
    const replies: OutboxItem[] = [];
    const dispatcher = new Dispatcher(store, runtime, log, (items) => replies.push(...items), 64, { owner: 'me', ttlMs: 60_000 }, 3_600_000);
    try {
      const [d] = await store.appendDeliveries([{ provider: 'telegram', key: 'k1', payload: {}, receivedAt: new Date().toISOString() }]);
      const stats = await store.applyDeliveries([{ deliveryId: d!.id!, provider: 'telegram', events }]);
      await fn({ store, dispatcher, replies, partitions: stats.partitions });
    } finally {
      dispatcher.stop();
      await dispatcher.drained();
      await store.close();
    }
  }

  it('runs every dispatch an offer stands for, without the idle scan', () =>
    withDispatcher([msg(3, '10'), msg(1, '10'), msg(2, '10')], async ({ store, dispatcher, replies, partitions }) => {
      dispatcher.offer(partitions);
      await eventually(async () => replies.length === 3, 5000);
      expect(replies.map((r) => r.message.text)).toEqual(['m1', 'm2', 'm3']);
      expect(await store.pendingPartitions(10)).toEqual([]);
    }));

  it('looks again shortly at a partition another instance held, even when a scan ends meanwhile', () =>
    withDispatcher([msg(1, '10')], async ({ store, dispatcher, replies, partitions }) => {
      const [partition] = [...partitions];
      expect(await store.claimPartition(partition!, 'other', 60_000)).toBe(true);
      dispatcher.offer(partitions); // the claim fails: look again in 250 ms
      await new Promise((r) => setTimeout(r, 20));
      dispatcher.kick(); // a scan that finds nothing it may run, and sets the hour-long idle timer
      await new Promise((r) => setTimeout(r, 50));
      expect(replies).toEqual([]);
      await store.releasePartition(partition!, 'other');
      await eventually(async () => replies.length === 1, 3000);
    }));

  it('is not busy once stopped, even with offered partitions it had no room to start (they stay pending)', async () => {
    const store = createSqliteStore(':memory:');
    await store.migrate();
    const log = createLogger({ level: 'error', secrets: [] });
    const runtime = new BotRuntime(store, [{ bot: echo }], new Map([['telegram', { reply: true }]]), log);
    const dispatcher = new Dispatcher(store, runtime, log, () => undefined, 0, { owner: 'me', ttlMs: 60_000 }, 3_600_000); // no room at all
    try {
      dispatcher.offer(['c:1', 'c:2']);
      expect(dispatcher.busy).toBe(true);
      dispatcher.stop();
      expect(dispatcher.busy).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('runs every dispatch of a conversation that one delivery gave several, in order, before going idle', async () => {
    kit = await createTestKit({ bots: [echo] });
    // Provider order is not arrival order: 3, 1, 2 within the delivery, and two conversations.
    const sent = await kit.deliver('telegram', [msg(3, '10'), msg(1, '10'), msg(1, '20'), msg(2, '10'), msg(2, '20')]);
    expect(sent.filter((s) => s.conversation === '10').map((s) => s.text)).toEqual(['m1', 'm2', 'm3']);
    expect(sent.filter((s) => s.conversation === '20').map((s) => s.text)).toEqual(['m1', 'm2']);
    expect(await kit.store.pendingPartitions(10)).toEqual([]);
  });

  it('runs a message that arrives while its conversation is running, once', async () => {
    kit = await createTestKit({ bots: [echo] });
    const [a, b] = await Promise.all([kit.deliver('telegram', [msg(1, '30')]), kit.deliver('telegram', [msg(2, '30')])]);
    expect([...a, ...b].filter((s) => s.conversation === '30').length).toBeGreaterThanOrEqual(1);
    expect(kit.sent.map((s) => s.text)).toEqual(['m1', 'm2']);
  });
});
