import { describe, expect, it } from 'vitest';
import { dialects, useTestDatabase } from './dialects';
import { deliver, message, PROVIDER } from './events';

/** Numbered questions, edits and blocked users in the store, on SQLite and on the real PostgreSQL. */
describe.each(await dialects())('store on $name: choices, edits, blocked', (dialect) => {
  const t = useTestDatabase(dialect);
  const next = async () => (await t.store.nextDispatch((await t.store.pendingPartitions(1))[0]!))!;
  const later = () => new Date(Date.now() + 60_000).toISOString();
  const options = [
    { text: 'Yes', action: 'yes' },
    { text: 'No', action: 'no' },
  ];

  it('keeps an open question with the reply that asked it, replaces it with a newer one, and closes it once answered', async () => {
    await deliver(t.store, [message(1, 'book')]);
    const d = await next();
    const cid = d.conversationId!;
    // One reply with a question: not the one-statement form on PostgreSQL, which writes no question.
    const { items } = await t.store.completeDispatch({
      dispatchId: d.id,
      outbound: [
        { conversation: { id: cid }, provider: PROVIDER, message: { text: 'Book?\n\n1. Yes  2. No' }, choice: { bot: 'b', options, expiresAt: later() } },
      ],
    });
    expect(await t.store.pendingChoices(cid)).toEqual([{ bot: 'b', messageId: items[0]!.messageId, options, expiresAt: expect.any(String) }]);

    await deliver(t.store, [message(2, 'again')]);
    const d2 = await next();
    const { items: again } = await t.store.completeDispatch({
      dispatchId: d2.id,
      outbound: [
        { conversation: { id: cid }, provider: PROVIDER, message: { text: 'Sure?' }, choice: { bot: 'b', options: [options[0]!], expiresAt: later() } },
      ],
    });
    expect(await t.store.pendingChoices(cid)).toEqual([{ bot: 'b', messageId: again[0]!.messageId, options: [options[0]], expiresAt: expect.any(String) }]);

    await deliver(t.store, [message(3, '1')]);
    const d3 = await next();
    await t.store.completeDispatch({
      dispatchId: d3.id,
      outbound: [{ conversation: { id: cid }, provider: PROVIDER, message: { text: 'Booked.' } }],
      choicesTaken: [{ conversationId: cid, bot: 'b' }],
    });
    expect(await t.store.pendingChoices(cid)).toEqual([]);
  });

  it('an edit takes the new text, keeps the old ones, dispatches "edited" once; an unknown message is left alone', async () => {
    await deliver(t.store, [message(1, 'helo')]);
    await t.store.completeDispatch({ dispatchId: (await next()).id, outbound: [] });
    const edit = (text: string, n: number) => ({
      type: 'edit' as const,
      provider: PROVIDER,
      messageExternalId: 'm1',
      text,
      at: `2026-01-02T00:00:0${n}.000Z`,
      externalId: `m1:${n}`,
      dispatch: true,
    });
    expect((await deliver(t.store, [edit('hello', 1)])).dispatches).toBe(1);
    expect((await deliver(t.store, [edit('hello', 1)])).dispatches).toBe(0);
    const d = await next();
    expect(d.event).toEqual({ type: 'edited', messageId: expect.any(Number), previousText: 'helo', at: '2026-01-02T00:00:01.000Z' });
    const [m] = await t.store.listMessages(d.conversationId!);
    expect(m).toMatchObject({ text: 'hello', meta: { history: [{ text: 'helo', until: '2026-01-02T00:00:01.000Z' }], editedAt: '2026-01-02T00:00:01.000Z' } });
    expect((await deliver(t.store, [{ ...edit('x', 2), messageExternalId: 'nope' }])).dispatches).toBe(0);
  });

  it('a "blocked" session event dead-letters the waiting replies at once; the address flag can be set and cleared', async () => {
    await deliver(t.store, [message(1, 'hi')]);
    const d = await next();
    const cid = d.conversationId!;
    await t.store.completeDispatch({ dispatchId: d.id, outbound: [{ conversation: { id: cid }, provider: PROVIDER, message: { text: 'hello' } }] });
    await deliver(t.store, [
      {
        type: 'session',
        conversation: { provider: PROVIDER, externalId: 'chat-1', address: { blocked: true } },
        name: 'chat.blocked',
        at: '2026-01-02T00:00:00.000Z',
        externalId: 'member:1',
        orderKey: 10,
      },
    ]);
    const [dead] = await t.store.listDeadLetters();
    expect(dead).toMatchObject({ conversationId: cid, lastError: expect.stringMatching(/^blocked by the user/) });
    expect((await t.store.getConversation(cid))!.address).toMatchObject({ blocked: true });
    expect((await t.store.listMessages(cid)).find((m) => m.direction === 'outbound')!.status).toBe('failed');
    await t.store.mergeConversationAddress(cid, { blocked: false });
    expect((await t.store.getConversation(cid))!.address).toEqual({ phone: '100', blocked: false });
  });
});
