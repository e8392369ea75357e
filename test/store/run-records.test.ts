import { describe, expect, it } from 'vitest';
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

  async function dispatchOf() {
    const { deliveryId } = await deliver(t.store, [message(1, 'hi')]);
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
});
