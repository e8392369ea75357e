import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineBot } from 'switchboard';
import { createLogger } from '../../src/base/log';
import { BotRuntime, type BotRoute } from '../../src/bots/runtime';
import type { MessageEvent } from '../../src/model';
import { createSqliteStore } from '../../src/store/sqlite';
import type { SqlStore } from '../../src/store/sql-store';

/** Each route's bot gets a record per dispatch: ran, failed, or skipped and why (the console shows them). */
describe('bot run records', () => {
  let store: SqlStore;
  beforeEach(async () => {
    store = createSqliteStore(':memory:');
    await store.migrate();
  });
  afterEach(() => store.close());

  const msg = (provider: string, n: number, text: string): MessageEvent => ({
    type: 'message',
    conversation: { provider, externalId: 'c1' },
    externalId: `${provider}:${n}`,
    direction: 'inbound',
    author: { externalId: 'u1', role: 'user' },
    kind: 'text',
    text,
    sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    status: 'received',
    orderKey: n,
    dispatch: true,
  });

  const replier = defineBot({
    name: 'replier',
    async onMessage(ctx) {
      await ctx.reply('one');
      await ctx.reply('two');
    },
  });
  const picky = defineBot({
    name: 'picky',
    filter: { text: 'pricing' },
    async onMessage(ctx) {
      await ctx.reply('prices');
    },
  });
  const broken = defineBot({
    name: 'broken',
    async onMessage() {
      throw new Error('boom');
    },
  });
  const elsewhere = defineBot({
    name: 'elsewhere',
    async onMessage(ctx) {
      await ctx.reply('never');
    },
  });
  // Last: the conversation is handed to people for the bots of the next message.
  const watcher = defineBot({
    name: 'watcher',
    duringHandoff: true,
    async onMessage(ctx) {
      if (ctx.message?.text === 'people please') ctx.setConversationStatus('handoff');
    },
  });
  const routes: BotRoute[] = [{ bot: replier }, { bot: picky }, { bot: broken }, { bot: elsewhere, providers: ['wamm'] }, { bot: watcher }];
  const providers = new Map([
    ['telegram', { reply: true }],
    ['webinato', { reply: false, whyNot: 'webinato has no send API' }],
  ]);

  /** Applies one message, runs its dispatch, commits it; returns what the runtime recorded. */
  async function runOne(runtime: BotRuntime, event: MessageEvent, key: string) {
    const [d] = await store.appendDeliveries([{ provider: event.conversation.provider, key, payload: {}, receivedAt: new Date().toISOString() }]);
    await store.applyDeliveries([{ deliveryId: d!.id!, provider: event.conversation.provider, events: [event] }]);
    const [dispatch] = await store.dispatchesOf([d!.id!]);
    const done = await runtime.run(dispatch!);
    await store.completeDispatch(done);
    const [stored] = await store.dispatchesOf([d!.id!]);
    expect(stored!.runs).toEqual(done.runs);
    return done.runs;
  }

  it('records ran (with its replies), filter, failed, not routed; then handoff for all but a duringHandoff bot', async () => {
    const runtime = new BotRuntime(store, routes, providers, createLogger({ level: 'error', secrets: [] }));
    expect(await runOne(runtime, msg('telegram', 1, 'people please'), 'k1')).toEqual([
      { bot: 'replier', outcome: 'ran', replies: 2 },
      { bot: 'picky', outcome: 'skipped', reason: 'filter' },
      { bot: 'broken', outcome: 'failed', error: 'boom' },
      { bot: 'elsewhere', outcome: 'skipped', reason: 'not routed' },
      { bot: 'watcher', outcome: 'ran', replies: 0 },
    ]);
    expect(await runOne(runtime, msg('telegram', 2, 'pricing?'), 'k2')).toEqual([
      { bot: 'replier', outcome: 'skipped', reason: 'handoff' },
      { bot: 'picky', outcome: 'skipped', reason: 'handoff' },
      { bot: 'broken', outcome: 'skipped', reason: 'handoff' },
      { bot: 'elsewhere', outcome: 'skipped', reason: 'handoff' },
      { bot: 'watcher', outcome: 'ran', replies: 0 },
    ]);
  });

  it('records cannot reply, with the reason, for a reply on a receive-only provider', async () => {
    const runtime = new BotRuntime(store, [{ bot: replier }], providers, createLogger({ level: 'error', secrets: [] }));
    const [run] = (await runOne(runtime, msg('webinato', 1, 'hello'), 'k1'))!;
    expect(run).toMatchObject({ bot: 'replier', outcome: 'skipped', reason: 'cannot reply' });
    expect(run).toHaveProperty('error', expect.stringContaining('webinato has no send API'));
  });
});
