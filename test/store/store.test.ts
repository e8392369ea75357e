import { describe, expect, it } from 'vitest';
import { dialects, useTestDatabase } from './dialects';
import { deliver, message, PROVIDER } from './events';

/** One store suite, run on SQLite and on the real PostgreSQL (own schema per test). */
describe.each(await dialects())('store on $name', (dialect) => {
  const t = useTestDatabase(dialect);
  const name = dialect.name;

  it(`reports its dialect (${name})`, () => {
    expect(t.store.dialect).toBe(name);
  });

  it('appendDeliveries drops retries by (provider, key), in one batch and across batches', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const first = await t.store.appendDeliveries([
      { provider: PROVIDER, key: 'a', payload: { n: 1 }, receivedAt: at },
      { provider: PROVIDER, key: 'b', payload: { n: 2 }, receivedAt: at },
      { provider: PROVIDER, key: 'a', payload: { n: 1 }, receivedAt: at },
      { provider: 'other', key: 'a', payload: { n: 3 }, receivedAt: at },
    ]);
    expect(first.map((o) => o.duplicate)).toEqual([false, false, true, false]);
    expect(typeof first[0]!.id).toBe('number');
    const again = await t.store.appendDeliveries([{ provider: PROVIDER, key: 'b', payload: { n: 2 }, receivedAt: at }]);
    expect(again).toEqual([{ duplicate: true }]);
    const pending = await t.store.pendingDeliveries(10, 0);
    expect(pending.map((d) => [d.provider, d.key, d.payload])).toEqual([
      [PROVIDER, 'a', { n: 1 }],
      [PROVIDER, 'b', { n: 2 }],
      ['other', 'a', { n: 3 }],
    ]);
    const health = await t.store.health();
    expect(health.find((h) => h.provider === PROVIDER)).toMatchObject({ deliveries: 2, duplicates: 2, lastDeliveryAt: at });
  });

  it('applyDeliveries is idempotent: the same delivery twice stores nothing new and dispatches once', async () => {
    const events = [message(1, 'hello')];
    const [d] = await t.store.appendDeliveries([{ provider: PROVIDER, key: 'k1', payload: {}, receivedAt: new Date().toISOString() }]);
    const first = await t.store.applyDeliveries([{ deliveryId: d!.id!, provider: PROVIDER, events }]);
    const second = await t.store.applyDeliveries([{ deliveryId: d!.id!, provider: PROVIDER, events }]);
    expect(first.dispatches).toBe(1);
    expect(second.dispatches).toBe(0);
    expect(await t.store.pendingDeliveries(10, 0)).toEqual([]);

    const conv = await t.store.findConversation({ provider: PROVIDER, externalId: 'chat-1' });
    expect(conv).toMatchObject({ title: 'Chat one', address: { phone: '100' }, lastMessageAt: message(1, '').sentAt });
    expect(await t.store.listMessages(conv!.id)).toHaveLength(1);
    const partitions = await t.store.pendingPartitions(10);
    expect(partitions).toHaveLength(1);
    const dispatch = await t.store.nextDispatch(partitions[0]!);
    expect(dispatch).toMatchObject({ conversationId: conv!.id, orderKey: 1, event: { type: 'message' } });
    await t.store.completeDispatch({ dispatchId: dispatch!.id, outbound: [] });
    expect(await t.store.nextDispatch(partitions[0]!)).toBeUndefined();
  });

  it('keeps provider order and the newest last_message_at whatever the arrival order', async () => {
    await deliver(t.store, [message(3, 'third')]);
    await deliver(t.store, [message(1, 'first')]);
    await deliver(t.store, [message(2, 'second')]);
    const conv = (await t.store.findConversation({ provider: PROVIDER, externalId: 'chat-1' }))!;
    expect(conv.lastMessageAt).toBe(message(3, '').sentAt);
    expect((await t.store.listMessages(conv.id)).map((m) => m.text)).toEqual(['first', 'second', 'third']);
    expect((await t.store.listMessages(conv.id, { last: true, limit: 2 })).map((m) => m.text)).toEqual(['second', 'third']);
    const partition = (await t.store.pendingPartitions(10))[0]!;
    const order: number[] = [];
    for (let d = await t.store.nextDispatch(partition); d; d = await t.store.nextDispatch(partition)) {
      order.push(d.orderKey);
      await t.store.completeDispatch({ dispatchId: d.id, outbound: [] });
    }
    expect(order).toEqual([1, 2, 3]);
  });

  it('moves statuses forward only, drops repeated status events, and reports unknown messages', async () => {
    await deliver(t.store, [message(1, 'hi', { direction: 'outbound', dispatch: false, status: 'sent' })]);
    const at = '2026-01-01T13:00:00.000Z';
    const status = (id: string, s: 'sent' | 'delivered' | 'read', msg = 'm1') => ({
      type: 'status' as const,
      provider: PROVIDER,
      messageExternalId: msg,
      status: s,
      rawStatus: s.toUpperCase(),
      at,
      externalId: id,
    });
    expect((await deliver(t.store, [status('s1', 'delivered')])).dispatches).toBe(1);
    expect((await deliver(t.store, [status('s2', 'sent')])).dispatches).toBe(1);
    expect((await t.store.findMessage(PROVIDER, 'm1'))!.status).toBe('delivered');
    expect((await deliver(t.store, [status('s3', 'read')])).dispatches).toBe(1);
    expect((await deliver(t.store, [status('s3', 'read')])).dispatches).toBe(0);
    expect(await t.store.findMessage(PROVIDER, 'm1')).toMatchObject({ status: 'read', rawStatus: 'READ' });
    const unknown = await deliver(t.store, [status('s4', 'read', 'nope')]);
    expect(unknown.stats!.unknownStatuses).toEqual([{ provider: PROVIDER, messageExternalId: 'nope' }]);
  });

  it('applies presence only when newer than what it knows', async () => {
    const presence = (p: 'online' | 'offline', at: string, id: string) => ({
      type: 'presence' as const,
      provider: PROVIDER,
      participant: { externalId: 'u9', name: 'Bo', role: 'attendee' as const },
      presence: p,
      at,
      externalId: id,
    });
    expect((await deliver(t.store, [presence('online', '2026-01-01T10:00:05.000Z', 'p1')])).dispatches).toBe(1);
    expect((await deliver(t.store, [presence('offline', '2026-01-01T10:00:01.000Z', 'p2')])).dispatches).toBe(0);
    expect(await t.store.getParticipant(PROVIDER, 'u9')).toMatchObject({ name: 'Bo', presence: 'online', presenceAt: '2026-01-01T10:00:05.000Z' });
    expect(await t.store.pendingPartitions(10)).toEqual([`p:${PROVIDER}`]);
  });

  it('records gaps from sequence numbers and fills them when the late one arrives', async () => {
    const seq = (n: number) => ({ type: 'sequence' as const, provider: PROVIDER, scope: 'room-1', sequence: n });
    await deliver(t.store, [seq(1)]);
    await deliver(t.store, [seq(4)]);
    expect((await t.store.health()).find((h) => h.provider === PROVIDER)!.gaps).toBe(2);
    await deliver(t.store, [seq(3)]);
    expect((await t.store.health()).find((h) => h.provider === PROVIDER)!.gaps).toBe(1);
    await deliver(t.store, [seq(5000)]); // a reset, not 4,995 gaps
    expect((await t.store.health()).find((h) => h.provider === PROVIDER)!.gaps).toBe(1);
  });

  it('tracks sequence numbers of one batch as it would one by one (cursor, gaps, late arrivals, a new session)', async () => {
    const seq = (n: number, scope = 'room-1') => ({ type: 'sequence' as const, provider: PROVIDER, scope, sequence: n });
    const gaps = async () => (await t.store.health()).find((h) => h.provider === PROVIDER)!.gaps;
    await deliver(t.store, [seq(2)]);
    await deliver(t.store, [seq(4)]); // 3 is missing, from an earlier batch
    expect(await gaps()).toBe(1);
    const now = new Date().toISOString();
    const ids = (await t.store.appendDeliveries([1, 2, 3, 4, 5].map((i) => ({ provider: PROVIDER, key: `s${i}`, payload: {}, receivedAt: now })))).map(
      (o) => o.id!,
    );
    await t.store.applyDeliveries([
      { deliveryId: ids[0]!, provider: PROVIDER, events: [seq(9)] }, // 5-8 missing
      { deliveryId: ids[1]!, provider: PROVIDER, events: [seq(6)] }, // fills 6, found in this batch
      { deliveryId: ids[2]!, provider: PROVIDER, events: [seq(3)] }, // fills 3, from the earlier batch
      { deliveryId: ids[3]!, provider: PROVIDER, events: [seq(7, 'room-2')] }, // another scope: first number
      { deliveryId: ids[4]!, provider: PROVIDER, events: [seq(11)] }, // 10 missing
    ]);
    expect(await gaps()).toBe(4); // 5, 7, 8 and 10
    expect(await t.store.getCursor(`seq:${PROVIDER}:room-1`)).toBe('11');
    expect(await t.store.getCursor(`seq:${PROVIDER}:room-2`)).toBe('7');
    await deliver(t.store, [seq(1)]); // a new session starts counting again
    expect(await t.store.getCursor(`seq:${PROVIDER}:room-1`)).toBe('1');
  });

  it('applies a batch in bulk as it would one by one: first copy wins, titles and addresses merge, statuses see their batch', async () => {
    const chat2 = { provider: PROVIDER, externalId: 'chat-2', title: 'Two', address: { phone: '200' } };
    // chat-1 exists already, with an address the batch must merge into.
    await deliver(t.store, [message(1, 'before')]);
    const now = new Date().toISOString();
    const ids = (await t.store.appendDeliveries(['b1', 'b2', 'b3', 'b4'].map((key) => ({ provider: PROVIDER, key, payload: {}, receivedAt: now })))).map(
      (o) => o.id!,
    );
    const stats = await t.store.applyDeliveries([
      { deliveryId: ids[0]!, provider: PROVIDER, events: [message(2, 'a', { conversation: { ...chat2, address: { phone: '200', name: 'x' } } })] },
      // A status for message m3, which comes later in this very batch.
      {
        deliveryId: ids[1]!,
        provider: PROVIDER,
        events: [{ type: 'status', provider: PROVIDER, messageExternalId: 'm3', status: 'read', at: now, externalId: 's-m3' }],
      },
      {
        deliveryId: ids[2]!,
        provider: PROVIDER,
        events: [message(3, 'b', { conversation: { provider: PROVIDER, externalId: 'chat-1', title: 'Renamed', address: { account: 'acc' } } })],
      },
      // A retry of m2 inside the same batch with other text, and an author renamed.
      {
        deliveryId: ids[3]!,
        provider: PROVIDER,
        events: [message(2, 'a again', { conversation: chat2, author: { externalId: 'u1', name: 'Anna', role: 'user' } })],
      },
    ]);
    expect(stats.dispatches).toBe(3); // m2, m3 and the status of m3; not the retry
    expect(stats.unknownStatuses).toEqual([]);
    const one = (await t.store.findConversation({ provider: PROVIDER, externalId: 'chat-1' }))!;
    expect(one).toMatchObject({ title: 'Renamed', address: { phone: '100', account: 'acc' } });
    const two = (await t.store.findConversation({ provider: PROVIDER, externalId: 'chat-2' }))!;
    expect(two).toMatchObject({ title: 'Two', address: { phone: '200', name: 'x' }, lastMessageAt: message(2, '').sentAt });
    expect((await t.store.listMessages(two.id)).map((m) => m.text)).toEqual(['a']);
    expect((await t.store.findMessage(PROVIDER, 'm3'))!.status).toBe('read');
    expect(await t.store.getParticipant(PROVIDER, 'u1')).toMatchObject({ name: 'Anna' });
    expect(await t.store.pendingDeliveries(10, 0)).toEqual([]);
    const partitions = await t.store.pendingPartitions(10);
    expect(partitions.sort()).toEqual([`c:${one.id}`, `c:${two.id}`].sort());
  });

  it("reads a bot run's scene in one read, as the three single reads give it", async () => {
    await deliver(t.store, [message(1, 'hi', { author: { externalId: 'u1', name: 'Ann', role: 'organizer' } })]);
    const conv = (await t.store.findConversation({ provider: PROVIDER, externalId: 'chat-1' }))!;
    const inbound = (await t.store.listMessages(conv.id))[0]!;
    const scene = await t.store.scene({ messageId: inbound.id, conversationId: conv.id });
    expect(scene).toEqual({
      message: await t.store.getMessage(inbound.id),
      conversation: await t.store.getConversation(conv.id),
      participant: await t.store.getParticipant(PROVIDER, 'u1'),
    });
    expect(scene.participant).toMatchObject({ externalId: 'u1', role: 'organizer' });

    // Our own reply has no participant; a message or conversation that is not there reads as undefined.
    const [d] = await t.store.nextDispatches(`c:${conv.id}`, 1);
    const { items } = await t.store.completeDispatch({
      dispatchId: d!.id,
      outbound: [{ conversation: { id: conv.id }, message: { text: 'yes' }, afterOrderKey: 1 }],
    });
    const reply = await t.store.scene({ messageId: items[0]!.messageId, conversationId: conv.id });
    expect(reply).toEqual({
      message: await t.store.getMessage(items[0]!.messageId),
      conversation: await t.store.getConversation(conv.id),
      participant: undefined,
    });
    expect(reply.message).toMatchObject({ direction: 'outbound', text: 'yes' });
    expect(await t.store.scene({ messageId: 987654, conversationId: 987654 })).toEqual({ message: undefined, conversation: undefined, participant: undefined });

    // Presence: the participant it names, by the event's provider when there is no conversation.
    await deliver(t.store, [
      {
        type: 'presence',
        provider: PROVIDER,
        participant: { externalId: 'u9', name: 'Bo', role: 'attendee' },
        presence: 'online',
        at: '2026-01-01T10:00:05.000Z',
        externalId: 'p1',
      },
    ]);
    const bo = await t.store.getParticipant(PROVIDER, 'u9');
    expect(bo).toMatchObject({ name: 'Bo', presence: 'online' });
    expect(await t.store.scene({ conversationId: null, presence: { provider: PROVIDER, participantExternalId: 'u9' } })).toEqual({
      message: undefined,
      conversation: undefined,
      participant: bo,
    });
    expect((await t.store.scene({ conversationId: conv.id, presence: { provider: 'other', participantExternalId: 'u9' } })).participant).toEqual(bo);
    expect((await t.store.scene({ conversationId: null, presence: { provider: 'other', participantExternalId: 'u9' } })).participant).toBeUndefined();
    expect((await t.store.scene({ conversationId: null, presence: { provider: PROVIDER } })).participant).toBeUndefined();
  });

  it('completeDispatch commits replies, bot state and conversation status together, once', async () => {
    await deliver(t.store, [message(1, 'hi')]);
    const d = (await t.store.nextDispatch((await t.store.pendingPartitions(1))[0]!))!;
    const cid = d.conversationId!;
    // A reply to a conversation that does not exist fails the whole transaction: nothing half-done.
    await expect(
      t.store.completeDispatch({
        dispatchId: d.id,
        outbound: [
          { conversation: { id: cid }, message: { text: 'ok' } },
          { conversation: { id: 987654 }, message: { text: 'lost' } },
        ],
        state: [{ conversationId: cid, bot: 'echo', value: { n: 1 } }],
      }),
    ).rejects.toThrow();
    expect(await t.store.getBotState(cid, 'echo')).toBeUndefined();
    expect(await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10)).toEqual([]);
    expect((await t.store.nextDispatch(d.partition))!.id).toBe(d.id);

    const done = {
      dispatchId: d.id,
      outbound: [{ conversation: { id: cid }, message: { text: 'reply' }, afterOrderKey: 1 }],
      state: [{ conversationId: cid, bot: 'echo', value: { n: 1 } }],
      conversationStatus: [{ conversationId: cid, status: 'handoff' as const }],
    };
    const first = await t.store.completeDispatch(done);
    expect(first.outbox).toBe(1);
    // The enqueued reply, as the outbox will read it back (handed to it without a scan).
    expect(first.items).toEqual(await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10));
    expect(await t.store.completeDispatch(done)).toEqual({ outbox: 0, items: [] });
    expect(await t.store.getBotState(cid, 'echo')).toEqual({ n: 1 });
    expect((await t.store.getConversation(cid))!.status).toBe('handoff');
    const msgs = await t.store.listMessages(cid);
    expect(msgs.map((m) => [m.direction, m.text, m.status])).toEqual([
      ['inbound', 'hi', 'received'],
      ['outbound', 'reply', 'pending'],
    ]);
    expect(await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10)).toHaveLength(1);
  });

  it('completes a dispatch with one reply, and marks it sent, in the same rows whichever form commits it (one statement on PostgreSQL)', async () => {
    await deliver(t.store, [message(1, 'hi'), message(2, 'there')]);
    const conv = (await t.store.findConversation({ provider: PROVIDER, externalId: 'chat-1' }))!;
    const [d1, d2] = await t.store.nextDispatches(`c:${conv.id}`, 2);
    const file = { kind: 'image' as const, url: 'https://example.test/a.png' };
    const first = {
      dispatchId: d1!.id,
      outbound: [
        {
          conversation: { id: conv.id },
          provider: PROVIDER,
          message: { text: 'one', replyToExternalId: 'm1' },
          afterOrderKey: 1,
          authorName: 'echo',
          meta: { bot: 'echo' },
          conversationRead: conv,
        },
      ],
      state: [{ conversationId: conv.id, bot: 'echo', value: { seen: 1 } }],
    };
    const r1 = await t.store.completeDispatch(first);
    expect(r1.outbox).toBe(1);
    const { conversation: handed, ...stored } = r1.items[0]!;
    expect(handed).toBe(conv);
    expect([stored]).toEqual(await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10));
    expect(await t.store.completeDispatch(first)).toEqual({ outbox: 0, items: [] }); // done already: nothing twice
    // No order key given: after the conversation's last message; media without text is a file.
    const r2 = await t.store.completeDispatch({
      dispatchId: d2!.id,
      outbound: [{ conversation: { id: conv.id }, provider: PROVIDER, message: { media: file } }],
      state: [{ conversationId: conv.id, bot: 'echo', value: { seen: 2 } }],
    });
    expect(await t.store.getBotState(conv.id, 'echo')).toEqual({ seen: 2 });
    const replies = (await t.store.listMessages(conv.id)).filter((m) => m.direction === 'outbound');
    expect(replies.map((m) => [m.text, m.kind, m.media, m.orderKey, m.author, m.status, m.replyToExternalId, m.meta])).toEqual([
      ['one', 'text', null, 1, { id: 'switchboard', name: 'echo', role: 'bot' }, 'pending', 'm1', { bot: 'echo' }],
      [null, 'file', file, 2, { id: 'switchboard', name: null, role: 'bot' }, 'pending', null, null],
    ]);
    expect(r2.items[0]!.messageId).toBe(replies[1]!.id);
    expect((await t.store.getConversation(conv.id))!.lastMessageAt! > message(2, '').sentAt).toBe(true);

    // Sent: with the provider's id and a new order key; without an id.
    await t.store.outboxMarkSent(r1.items[0]!.id, { externalId: 'out-1', orderKey: 7, at: '2026-01-01T13:00:00.000Z' });
    await t.store.outboxMarkSent(r2.items[0]!.id, { at: '2026-01-01T13:00:01.000Z' });
    await t.store.outboxMarkSent(987654, { externalId: 'out-9', at: '2026-01-01T13:00:02.000Z' }); // no such item: nothing
    const sent = (await t.store.listMessages(conv.id)).filter((m) => m.direction === 'outbound');
    expect(sent.map((m) => [m.externalId, m.status, m.sentAt, m.orderKey])).toEqual([
      [null, 'sent', '2026-01-01T13:00:01.000Z', 2],
      ['out-1', 'sent', '2026-01-01T13:00:00.000Z', 7],
    ]);
    expect(await t.store.findMessage(PROVIDER, 'out-9')).toBeUndefined();

    // A reply into a conversation that is not there fails whole: the dispatch stays pending.
    await deliver(t.store, [message(3, 'again')]);
    const [d3] = await t.store.nextDispatches(`c:${conv.id}`, 1);
    await expect(
      t.store.completeDispatch({
        dispatchId: d3!.id,
        outbound: [{ conversation: { id: 987654 }, provider: PROVIDER, message: { text: 'lost' } }],
        state: [{ conversationId: conv.id, bot: 'echo', value: { seen: 3 } }],
      }),
    ).rejects.toThrow();
    expect((await t.store.nextDispatches(`c:${conv.id}`, 1))[0]!.id).toBe(d3!.id);
    expect(await t.store.getBotState(conv.id, 'echo')).toEqual({ seen: 2 });
  });

  async function oneReply(text = 'reply') {
    await deliver(t.store, [message(1, 'hi')]);
    const d = (await t.store.nextDispatch((await t.store.pendingPartitions(1))[0]!))!;
    await t.store.completeDispatch({ dispatchId: d.id, outbound: [{ conversation: { id: d.conversationId! }, message: { text }, afterOrderKey: 1 }] });
    return (await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10))[0]!;
  }

  it("reads one conversation's due replies in order, up to the first being sent or waiting for a retry", async () => {
    await deliver(t.store, [message(1, 'hi')]);
    const d = (await t.store.nextDispatch((await t.store.pendingPartitions(1))[0]!))!;
    const cid = d.conversationId!;
    const texts = ['one', 'two', 'three'];
    await t.store.completeDispatch({ dispatchId: d.id, outbound: texts.map((text) => ({ conversation: { id: cid }, message: { text }, afterOrderKey: 1 })) });
    const soon = new Date(Date.now() + 1000).toISOString();
    const all = await t.store.dueOutboxOf(cid, soon, 10);
    expect(all.map((i) => i.message.text)).toEqual(texts);
    expect((await t.store.dueOutboxOf(cid, soon, 2)).map((i) => i.message.text)).toEqual(['one', 'two']);
    expect(await t.store.dueOutboxOf(cid + 1000, soon, 10)).toEqual([]);
    // The head is being sent: nothing behind it is due for another sender.
    expect(await t.store.outboxMarkSending(all[0]!.id)).toBe(true);
    expect(await t.store.dueOutboxOf(cid, soon, 10)).toEqual([]);
    // Sent: the rest follow; then a retry later on the second holds back the third.
    await t.store.outboxMarkSent(all[0]!.id, { externalId: 'out-1', at: new Date().toISOString() });
    expect((await t.store.dueOutboxOf(cid, soon, 10)).map((i) => i.message.text)).toEqual(['two', 'three']);
    await t.store.outboxMarkSending(all[1]!.id);
    await t.store.outboxMarkRetry(all[1]!.id, 'HTTP 503', new Date(Date.now() + 60_000).toISOString());
    expect(await t.store.dueOutboxOf(cid, soon, 10)).toEqual([]);
  });

  it('moves outbox items pending → sending → retry → dead → requeued → sent', async () => {
    const item = await oneReply();
    expect(item).toMatchObject({ status: 'pending', attempts: 0, message: { text: 'reply' } });
    await t.store.outboxMarkSending(item.id);
    expect(await t.store.health()).toEqual([expect.objectContaining({ provider: PROVIDER, outboxPending: 1 })]);
    const later = new Date(Date.now() + 60_000).toISOString();
    await t.store.outboxMarkRetry(item.id, 'HTTP 503', later);
    expect(await t.store.dueOutbox(new Date().toISOString(), 10)).toEqual([]);
    expect(await t.store.nextOutboxAt()).toBe(later);
    expect(await t.store.nextOutboxAt(later)).toBeUndefined();
    expect(await t.store.nextOutboxAt(new Date().toISOString())).toBe(later);
    const due = (await t.store.dueOutbox(later, 10))[0]!;
    expect(due).toMatchObject({ attempts: 1, lastError: 'HTTP 503' });

    expect(await t.store.outboxMarkSending(item.id, 'stopped-instance')).toBe(true);
    expect(await t.store.outboxMarkSending(item.id, 'me')).toBe(false);
    const interrupted = await t.store.outboxInterrupted('me');
    expect(interrupted).toEqual([expect.objectContaining({ id: item.id, status: 'sending', attempts: 2 })]);
    expect(Date.parse(interrupted[0]!.nextAttemptAt)).toBeGreaterThan(Date.now() - 60_000); // the attempt's start
    expect(await t.store.outboxInterrupted('stopped-instance')).toEqual([]); // never an instance's own send
    await t.store.outboxMarkDead(item.id, 'interrupted while sending');
    const [dead] = await t.store.listDeadLetters();
    expect(dead).toMatchObject({ id: item.id, status: 'dead', attempts: 2 });
    expect((await t.store.getMessage(dead!.messageId))!.status).toBe('failed');
    expect((await t.store.health())[0]).toMatchObject({ outboxDead: 1, outboxPending: 0 });

    expect(await t.store.outboxRequeueDead([item.id])).toBe(1);
    expect(await t.store.listDeadLetters()).toEqual([]);
    await t.store.outboxMarkSending(item.id);
    await t.store.outboxMarkSent(item.id, { externalId: 'out-1', orderKey: 7, at: '2026-01-01T12:00:09.000Z' });
    expect(await t.store.findMessage(PROVIDER, 'out-1')).toMatchObject({ direction: 'outbound', status: 'sent', orderKey: 7 });
    expect((await t.store.health())[0]).toMatchObject({ outboxDead: 0, outboxPending: 0 });
  });

  it('records what an interrupted send is matched on: the ref, the highest order key known at the claim; maybeDelivered dead letters', async () => {
    const item = await oneReply('again');
    expect(item.attempt).toBeUndefined();
    expect(await t.store.outboxMarkSending(item.id, 'gone', 'ref-1')).toBe(true);
    const [interrupted] = await t.store.outboxInterrupted('me');
    expect(interrupted!.attempt).toEqual({ ref: 'ref-1', knownOrderKey: 1 });
    await t.store.outboxMarkDead(item.id, 'interrupted while sending', true);
    expect(await t.store.listDeadLetters()).toEqual([expect.objectContaining({ id: item.id, maybeDelivered: true })]);
    expect(await t.store.outboxRequeueDead([item.id])).toBe(1);
    await t.store.outboxMarkSending(item.id, 'me', 'ref-2');
    await t.store.outboxMarkSent(item.id, { externalId: '77', orderKey: 77, at: new Date().toISOString() });
    // Already matched to this item: recovery of another one must not take it again.
    expect(await t.store.outboxSentIds(item.conversationId, 1)).toEqual(['77']);
    expect(await t.store.outboxSentIds(item.conversationId, 77)).toEqual([]);
    await t.store.outboxMarkDead(item.id, 'permanent');
    expect((await t.store.listDeadLetters())[0]!.maybeDelivered).toBeUndefined();
  });

  it('claims a reply for sending only when no earlier reply of its conversation is unsent', async () => {
    await deliver(t.store, [message(1, 'hi'), message(2, 'again')]);
    const partition = (await t.store.pendingPartitions(1))[0]!;
    const replies: number[] = [];
    for (const text of ['one', 'two']) {
      const d = (await t.store.nextDispatch(partition))!;
      const { items } = await t.store.completeDispatch({ dispatchId: d.id, outbound: [{ conversation: { id: d.conversationId! }, message: { text } }] });
      replies.push(items[0]!.id);
    }
    const [one, two] = replies as [number, number];
    expect(await t.store.outboxMarkSending(two, 'me')).toBe(false); // 'one' is still pending
    expect(await t.store.outboxMarkSending(one, 'me')).toBe(true);
    expect(await t.store.outboxMarkSending(two, 'me')).toBe(false); // 'one' is on the wire
    await t.store.outboxMarkRetry(one, 'HTTP 503', new Date(Date.now() + 60_000).toISOString());
    expect(await t.store.outboxMarkSending(two, 'me')).toBe(false); // 'one' waits for its retry
    await t.store.outboxMarkSending(one, 'me');
    await t.store.outboxMarkSent(one, { at: new Date().toISOString() });
    expect(await t.store.outboxMarkSending(two, 'me')).toBe(true);
  });

  it('keeps why a dispatch failed', async () => {
    await deliver(t.store, [message(1, 'hi')]);
    const partition = (await t.store.pendingPartitions(1))[0]!;
    const d = (await t.store.nextDispatch(partition))!;
    expect(d.lastError).toBeNull();
    await t.store.failDispatch(d.id, 'bot threw: boom', false);
    expect(await t.store.nextDispatch(partition)).toMatchObject({ id: d.id, attempts: 1, lastError: 'bot threw: boom' });
  });

  it('folds the provider echo of our own reply into the outbound message when marked sent', async () => {
    const item = await oneReply('mine');
    await t.store.outboxMarkSending(item.id);
    // The provider's webhook echo arrives before its API answered our send.
    await deliver(t.store, [message(50, 'mine', { externalId: 'out-9', direction: 'outbound', dispatch: false, status: 'delivered' })]);
    await t.store.outboxMarkSent(item.id, { externalId: 'out-9', orderKey: 50, at: '2026-01-01T12:00:50.000Z' });
    const msgs = await t.store.listMessages(item.conversationId);
    expect(msgs.map((m) => [m.externalId, m.direction, m.text, m.status])).toEqual([
      ['m1', 'inbound', 'hi', 'received'],
      ['out-9', 'outbound', 'mine', 'delivered'],
    ]);
  });

  it('reports the backlogs behind the 200: deliveries not yet processed, bot runs waiting', async () => {
    const backlog = async () => {
      const h = (await t.store.health()).find((x) => x.provider === PROVIDER)!;
      return [h.unprocessed, h.botRunsPending, h.outboxPending];
    };
    const at = new Date().toISOString();
    const stored = await t.store.appendDeliveries([
      { provider: PROVIDER, key: 'u1', payload: {}, receivedAt: at },
      { provider: PROVIDER, key: 'u2', payload: {}, receivedAt: at },
    ]);
    expect(await backlog()).toEqual([2, 0, 0]);
    await t.store.applyDeliveries([{ deliveryId: stored[0]!.id!, provider: PROVIDER, events: [message(1, 'hi')] }]);
    expect(await backlog()).toEqual([1, 1, 0]);
    const d = (await t.store.nextDispatch((await t.store.pendingPartitions(1))[0]!))!;
    await t.store.completeDispatch({ dispatchId: d.id, outbound: [{ conversation: { id: d.conversationId! }, message: { text: 'reply' } }] });
    expect(await backlog()).toEqual([1, 0, 1]);
  });

  it('reports health per provider', async () => {
    await deliver(t.store, [message(1, 'hi')]);
    await t.store.recordPoll(PROVIDER, '2026-01-01T00:00:09.000Z');
    expect(await t.store.health()).toEqual([
      {
        provider: PROVIDER,
        deliveries: 1,
        duplicates: 0,
        gaps: 0,
        lastDeliveryAt: expect.any(String),
        lastPollAt: '2026-01-01T00:00:09.000Z',
        outboxPending: 0,
        outboxDead: 0,
        unprocessed: 0,
        botRunsPending: 1,
        quarantined: 0,
        rejected: 0,
        recovered: 0,
      },
    ]);
    await t.store.setCursor('x', '42');
    expect(await t.store.getCursor('x')).toBe('42');
  });

  it('applies the same deliveries from two handles at once exactly once', async () => {
    const other = await t.db.second();
    const batch = Array.from({ length: 40 }, (_, i) => ({ provider: PROVIDER, key: `k${i}`, payload: {}, receivedAt: new Date().toISOString() }));
    const [a, b] = await Promise.all([t.store.appendDeliveries(batch), other.appendDeliveries([...batch].reverse())]);
    const stored = [...a, ...b].filter((o) => !o.duplicate);
    expect(stored).toHaveLength(40);
    const results = stored.map((o, i) => ({
      deliveryId: o.id!,
      provider: PROVIDER,
      events: [message(i + 1, `t${i}`, { conversation: { provider: PROVIDER, externalId: `chat-${i % 3}` } })],
    }));
    const [s1, s2] = await Promise.all([t.store.applyDeliveries(results), other.applyDeliveries([...results].reverse())]);
    expect(s1.dispatches + s2.dispatches).toBe(40);
    const conversations = await t.store.listConversations({ provider: PROVIDER });
    expect(conversations).toHaveLength(3);
    let messages = 0;
    for (const c of conversations) messages += (await t.store.listMessages(c.id)).length;
    expect(messages).toBe(40);
  });
});
