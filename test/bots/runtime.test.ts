import { afterEach, describe, expect, it } from 'vitest';
import { defineBot, ReceiveOnlyError } from 'switchboard';
import { createTestKit, type TestKit } from 'switchboard/testing';
import echo from '../../bots/echo';

const wamm = { provider: 'wamm', conversation: 'acc:1' };

describe('bot runtime through the test kit', () => {
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it('runs middleware in order around the handlers; a middleware that does not call next() stops them', async () => {
    const seen: string[] = [];
    const bot = defineBot({
      name: 'mw',
      use: [
        async (_ctx, next) => {
          seen.push('a:before');
          await next();
          seen.push('a:after');
        },
        async (ctx, next) => {
          if (ctx.message?.text === 'stop') return;
          await next();
        },
      ],
      async onMessage(ctx) {
        seen.push(`handler:${ctx.message!.text}`);
      },
    });
    kit = await createTestKit({ bots: [bot] });
    await kit.receive({ ...wamm, text: 'go' });
    await kit.receive({ ...wamm, text: 'stop' });
    expect(seen).toEqual(['a:before', 'handler:go', 'a:after', 'a:before', 'a:after']);
  });

  it('sends a reply to the conversation as read, whatever the bot did to its ctx.conversation object', async () => {
    const bot = defineBot({
      name: 'meddler',
      async onMessage(ctx) {
        ctx.conversation!.externalId = 'acc:elsewhere';
        (ctx.conversation!.address as Record<string, unknown>).chatId = 'elsewhere';
        await ctx.reply('still here');
      },
    });
    kit = await createTestKit({ bots: [bot] });
    expect(await kit.receive({ ...wamm, text: 'hi' })).toMatchObject([{ provider: 'wamm', conversation: 'acc:1', text: 'still here' }]);
  });

  it('filters handlers by provider, kind and text; runs status, presence and session handlers', async () => {
    const bot = defineBot({
      name: 'filters',
      filter: { provider: 'telegram' },
      async onMessage(ctx) {
        await ctx.reply('telegram only');
      },
      on: [
        { filter: { text: /^\/start\b/ }, handler: (ctx) => ctx.reply('welcome') },
        { filter: { kind: 'image' }, handler: (ctx) => ctx.reply('nice picture') },
        {
          filter: { event: 'session', name: 'session.started' },
          handler: (ctx) => ctx.send({ provider: 'telegram', externalId: '1' }, `started ${ctx.conversation!.externalId}`),
        },
      ],
      async onStatus(ctx) {
        if (ctx.event.type === 'status') await ctx.send({ provider: 'telegram', externalId: '1' }, `status ${ctx.event.status} of "${ctx.message!.text}"`);
      },
      async onPresence(ctx) {
        if (ctx.event.type === 'presence')
          await ctx.send({ provider: 'telegram', externalId: '1' }, `${ctx.participant?.name} is ${ctx.event.presence} on ${ctx.provider}`);
      },
    });
    kit = await createTestKit({ bots: [bot] });
    expect((await kit.receive({ ...wamm, text: '/start' })).map((s) => s.text)).toEqual(['welcome']);
    expect((await kit.receive({ provider: 'telegram', conversation: '1', text: 'hi' })).map((s) => s.text)).toEqual(['telegram only']);
    expect((await kit.receive({ ...wamm, kind: 'image', media: { url: 'https://x/a.jpg' } })).map((s) => s.text)).toEqual(['nice picture']);
    const [welcome] = await kit.receive({ ...wamm, text: '/start again' });
    expect((await kit.status('wamm', welcome!, 'read')).map((s) => s.text)).toEqual(['status read of "welcome"']);
    expect((await kit.presence('mqttchat', { id: '7', name: 'Ann' }, 'online')).map((s) => s.text)).toEqual(['Ann is online on mqttchat']);
    expect((await kit.session('ringcentral', 'webinar-1', 'session.started')).map((s) => s.text)).toEqual(['started webinar-1']);
    expect(await kit.session('ringcentral', 'webinar-1', 'session.ended')).toEqual([]);
  });

  it('keeps ctx.state per conversation and bot across messages', async () => {
    const counter = defineBot<{ n?: number }>({
      name: 'counter',
      async onMessage(ctx) {
        ctx.state.n = (ctx.state.n ?? 0) + 1;
        await ctx.reply(`#${ctx.state.n}`);
      },
    });
    kit = await createTestKit({ bots: [counter] });
    await kit.receive({ ...wamm, text: 'a' });
    await kit.receive({ ...wamm, text: 'b' });
    await kit.receive({ ...wamm, conversation: 'acc:2', text: 'c' });
    expect(kit.sent.map((s) => `${s.conversation} ${s.text}`)).toEqual(['acc:1 #1', 'acc:1 #2', 'acc:2 #1']);
    expect(await kit.state('counter', 'wamm', 'acc:1')).toEqual({ n: 2 });
  });

  it('logs a bot that throws with the delivery id; the other bots and the next messages still run; its replies are dropped', async () => {
    const broken = defineBot({
      name: 'broken',
      async onMessage(ctx) {
        await ctx.reply('never sent');
        throw new Error('boom');
      },
    });
    kit = await createTestKit({ bots: [broken, echo] });
    expect(await kit.receive({ ...wamm, text: 'one' })).toEqual([{ ...wamm, text: 'one' }]);
    expect(await kit.receive({ ...wamm, text: 'two' })).toEqual([{ ...wamm, text: 'two' }]);
    const failures = kit.logs.filter((l) => l.message === 'bot failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ level: 'error', bot: 'broken', deliveryId: expect.any(Number), err: { message: 'boom' } });
    expect(failures[0]!.deliveryId).not.toBe(failures[1]!.deliveryId);
  });

  it('raises ReceiveOnlyError on receive-only providers, which a bot can catch', async () => {
    const caught: string[] = [];
    const bot = defineBot({
      name: 'polite',
      async onMessage(ctx) {
        try {
          await ctx.reply('hello');
        } catch (err) {
          if (!(err instanceof ReceiveOnlyError)) throw err;
          caught.push(`${err.provider} canReply=${ctx.canReply}`);
          await ctx.send({ provider: 'telegram', externalId: '99' }, `from ${ctx.provider}: ${ctx.message!.text}`);
        }
      },
    });
    kit = await createTestKit({ bots: [bot] });
    for (const provider of ['webinato', 'mqttchat', 'ringcentral']) await kit.receive({ provider, conversation: 'x', text: 'hi' });
    expect(caught).toEqual(['webinato canReply=false', 'mqttchat canReply=false', 'ringcentral canReply=false']);
    expect(kit.sent.map((s) => `${s.provider}/${s.conversation}: ${s.text}`)).toEqual([
      'telegram/99: from webinato: hi',
      'telegram/99: from mqttchat: hi',
      'telegram/99: from ringcentral: hi',
    ]);
  });

  it('routes replies from receive-only providers through replyVia (per provider, or per route), labelled with where they came from', async () => {
    kit = await createTestKit({
      routes: [{ bot: echo }],
      replyVia: { webinato: { provider: 'telegram', externalId: '500' }, mqttchat: { provider: 'telegram', externalId: '501', label: false } },
    });
    expect(await kit.receive({ provider: 'webinato', conversation: 'room-1', title: 'Demo', text: 'Q?' })).toEqual([
      { provider: 'telegram', conversation: '500', text: '[webinato: Demo] Q?' },
    ]);
    expect(await kit.receive({ provider: 'mqttchat', conversation: '1:2', text: 'hey' })).toEqual([{ provider: 'telegram', conversation: '501', text: 'hey' }]);
    await kit.close();
    kit = await createTestKit({ routes: [{ bot: echo, providers: ['webinato'], replyVia: { provider: 'wamm', externalId: 'acc:9' } }] });
    expect(await kit.receive({ provider: 'webinato', conversation: 'room-2', text: 'hello' })).toEqual([
      { provider: 'wamm', conversation: 'acc:9', text: '[webinato: room-2] hello' },
    ]);
    expect(await kit.receive({ ...wamm, text: 'not routed here' })).toEqual([]);
  });

  it('routes by provider and conversation, in order; excluded conversations are skipped', async () => {
    const tag = (name: string) => defineBot({ name, onMessage: (ctx) => ctx.reply(name) });
    kit = await createTestKit({
      routes: [
        { bot: tag('first'), conversations: ['acc:1'] },
        { bot: tag('second'), providers: ['wamm'], excludeConversations: ['acc:2'] },
        { bot: tag('third') },
      ],
    });
    expect((await kit.receive({ ...wamm, text: 'x' })).map((s) => s.text)).toEqual(['first', 'second', 'third']);
    expect((await kit.receive({ ...wamm, conversation: 'acc:2', text: 'x' })).map((s) => s.text)).toEqual(['third']);
    expect((await kit.receive({ provider: 'telegram', conversation: 'acc:1', text: 'x' })).map((s) => s.text)).toEqual(['first', 'third']);
  });

  it('sends across providers with meta, finds sent messages by provider id, reads history, and keeps bots quiet during a hand-off', async () => {
    const log: unknown[] = [];
    const bot = defineBot({
      name: 'relay',
      duringHandoff: true,
      async onMessage(ctx) {
        const text = ctx.message!.text!;
        if (text === 'forward') return ctx.send({ provider: 'telegram', externalId: '7' }, 'forwarded', { meta: { origin: ctx.conversation!.id } });
        if (ctx.message!.replyToExternalId) {
          const original = await ctx.lookup('telegram', ctx.message!.replyToExternalId);
          log.push(original?.meta);
          return;
        }
        if (text === 'history') log.push((await ctx.history(2)).map((m) => `${m.direction}:${m.text}`));
        if (text === 'handoff') ctx.setConversationStatus('handoff');
      },
    });
    kit = await createTestKit({ bots: [bot, echo] });
    const [fwd, echoed] = await kit.receive({ ...wamm, text: 'forward' });
    expect(echoed).toEqual({ ...wamm, text: 'forward' });
    expect(fwd).toEqual({ provider: 'telegram', conversation: '7', text: 'forwarded' });
    await kit.receive({ provider: 'telegram', conversation: '7', text: 'answer', replyTo: fwd });
    expect(log[0]).toEqual({ origin: (await kit.conversation('wamm', 'acc:1'))!.id, bot: 'relay' });
    await kit.receive({ ...wamm, text: 'history' });
    expect(log[1]).toEqual(['outbound:forward', 'inbound:history']);
    expect(await kit.receive({ ...wamm, text: 'handoff' })).toEqual([]); // echo is already silent for the message that started it
    expect(await kit.receive({ ...wamm, text: 'anyone?' })).toEqual([]);
    expect((await kit.conversation('wamm', 'acc:1'))!.status).toBe('handoff');
  });
});
