import { describe, expect, it } from 'vitest';
import { consoleStoreOf } from '../../src/store/console';
import type { BotRun } from '../../src/store/types';
import { dialects, useTestDatabase } from './dialects';
import { deliver, message, PROVIDER } from './events';

/** What the bots did per dispatch and each send attempt per reply: stored by the statements that already run. */
describe.each(await dialects())('run records on $name', (dialect) => {
  const t = useTestDatabase(dialect);

  const runs: BotRun[] = [
    { bot: 'echo', outcome: 'ran', replies: 1 },
    { bot: 'faq', outcome: 'skipped', reason: 'filter' },
    { bot: 'crm', outcome: 'failed', error: 'HTTP 500 from crm' },
  ];

  async function dispatchOf(n = 1) {
    const { deliveryId } = await deliver(t.store, [message(n, 'hi')]);
    const [d] = await t.store.dispatchesOf([deliveryId!]);
    return { d: d!, read: async () => (await t.store.dispatchesOf([deliveryId!]))[0]! };
  }

  it('stores the runs with a dispatch completed with one reply (the one-statement form on PostgreSQL)', async () => {
    const { d, read } = await dispatchOf();
    const outbound = [{ conversation: { id: d.conversationId! }, provider: PROVIDER, message: { text: 'hi back' }, afterOrderKey: 1 }];
    const { items } = await t.store.completeDispatch({ dispatchId: d.id, outbound, runs });
    expect(items).toHaveLength(1);
    expect((await read()).runs).toEqual(runs);
  });

  it('stores the runs with a dispatch completed without a reply, or with several', async () => {
    const none: BotRun[] = [{ bot: 'echo', outcome: 'skipped', reason: 'handoff' }];
    const first = await dispatchOf();
    await t.store.completeDispatch({ dispatchId: first.d.id, outbound: [], runs: none });
    expect((await first.read()).runs).toEqual(none);

    const { deliveryId } = await deliver(t.store, [message(2, 'again')]);
    const [d] = await t.store.dispatchesOf([deliveryId!]);
    const two = ['a', 'b'].map((text) => ({ conversation: { id: d!.conversationId! }, provider: PROVIDER, message: { text } }));
    await t.store.completeDispatch({ dispatchId: d!.id, outbound: two, runs });
    expect((await t.store.dispatchesOf([deliveryId!]))[0]!.runs).toEqual(runs);
  });

  it('keeps the runs of a failed commit with its error; a failure without runs keeps the earlier ones', async () => {
    const { d, read } = await dispatchOf();
    expect((await read()).runs).toBeUndefined();
    await t.store.failDispatch(d.id, 'connection reset', false, runs);
    expect(await read()).toMatchObject({ attempts: 1, lastError: 'connection reset', runs });
    await t.store.failDispatch(d.id, 'scene read failed', false);
    expect(await read()).toMatchObject({ attempts: 2, lastError: 'scene read failed', runs });
  });

  /** One reply enqueued; `log()` reads its attempt log back as the console's timeline does. */
  async function reply(text: string, withProvider: boolean, n = 1) {
    const { d } = await dispatchOf(n);
    const o = { conversation: { id: d.conversationId! }, message: { text }, afterOrderKey: n, ...(withProvider ? { provider: PROVIDER } : {}) };
    const { items } = await t.store.completeDispatch({ dispatchId: d.id, outbound: [o] });
    const id = items[0]!.id;
    const log = async () => (await consoleStoreOf(t.store).timeline(d.conversationId!))!.outbox.find((x) => x.id === id)!.attemptLog;
    return { id, log };
  }

  it('keeps each attempt of a reply: retried, dead, requeued, then sent with the provider id', async () => {
    const { id, log } = await reply('hi back', true);
    expect(await log()).toBeUndefined();
    await t.store.outboxMarkSending(id, 'me');
    await t.store.outboxMarkRetry(id, 'HTTP 503 Service Unavailable', new Date().toISOString());
    await t.store.outboxMarkSending(id, 'me');
    await t.store.outboxMarkDead(id, 'HTTP 400: chat not found');
    expect((await t.store.listDeadLetters())[0]!.attemptLog).toMatchObject([{ outcome: 'retry' }, { outcome: 'dead' }]);
    await t.store.outboxRequeueDead([id]);
    await t.store.outboxMarkSending(id, 'me');
    await t.store.outboxMarkSent(id, { externalId: 'out-7', orderKey: 7, at: '2026-01-01T12:00:07.000Z' });
    const attempts = (await log())!;
    expect(attempts.map(({ at: _, ...a }) => a)).toEqual([
      { outcome: 'retry', error: 'HTTP 503 Service Unavailable' },
      { outcome: 'dead', error: 'HTTP 400: chat not found' },
      { outcome: 'sent', externalId: 'out-7' },
    ]);
    expect(attempts[2]!.at).toBe('2026-01-01T12:00:07.000Z');
    expect(attempts.every((a) => !Number.isNaN(Date.parse(a.at)))).toBe(true);
  });

  it('keeps the last 10 attempts; a send without a provider id and one folding an echo are logged too', async () => {
    const { id, log } = await reply('hi back', false);
    for (let n = 1; n <= 12; n++) {
      await t.store.outboxMarkSending(id, 'me');
      await t.store.outboxMarkRetry(id, `HTTP 503 #${n}`, new Date().toISOString());
    }
    await t.store.outboxMarkSending(id, 'me');
    await t.store.outboxMarkSent(id, { at: '2026-01-01T12:00:09.000Z' });
    const attempts = (await log())!;
    expect(attempts).toHaveLength(10);
    expect(attempts.map((a) => a.error ?? a.outcome)).toEqual([...Array.from({ length: 9 }, (_, i) => `HTTP 503 #${i + 4}`), 'sent']);

    // The provider echoed the next reply by webhook before its API answered: the transaction folds it in.
    const next = await reply('again', true, 2);
    await t.store.outboxMarkSending(next.id, 'me');
    await deliver(t.store, [message(60, 'again', { externalId: 'out-60', direction: 'outbound', dispatch: false, status: 'delivered' })]);
    await t.store.outboxMarkSent(next.id, { externalId: 'out-60', orderKey: 60, at: '2026-01-01T12:01:00.000Z' });
    expect(await next.log()).toEqual([{ at: '2026-01-01T12:01:00.000Z', outcome: 'sent', externalId: 'out-60' }]);
  });
});
