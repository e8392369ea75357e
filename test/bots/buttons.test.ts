import { afterEach, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { createTestKit, type TestKit } from '../../src/testing';

/** Buttons through the real pipeline (test kit): real ones where a provider shows them, numbered elsewhere. */
const seen: { action: string; on: string | null | undefined }[] = [];
const ask = defineBot({
  name: 'ask',
  filter: { kind: 'text', text: 'menu' },
  async onMessage(ctx) {
    await ctx.reply('Pick one', { buttons: [[{ text: 'Tea', action: 'tea' }], [{ text: 'Coffee', action: 'coffee' }]] });
  },
  onAction: {
    tea: async (ctx) => {
      seen.push({ action: ctx.action!.name, on: ctx.action!.message?.text });
      await ctx.reply('Tea it is');
    },
    '*': (ctx) => {
      seen.push({ action: ctx.action!.name, on: ctx.action!.message?.text });
    },
  },
});
const echo = defineBot({ name: 'echo', filter: { kind: 'text' }, onMessage: (ctx) => ctx.reply(`echo: ${ctx.message!.text}`) });

describe('buttons', () => {
  let kit: TestKit;
  afterEach(async () => {
    seen.length = 0;
    await kit?.close();
  });

  it('Telegram: an inline keyboard; a press runs onAction with the pressed message, and is acknowledged also without a reply', async () => {
    kit = await createTestKit({ bots: [ask] });
    const [menu] = await kit.receive({ provider: 'telegram', conversation: '7', text: 'menu' });
    expect(menu).toMatchObject({ text: 'Pick one', buttons: [[{ text: 'Tea', action: 'tea' }], [{ text: 'Coffee', action: 'coffee' }]] });
    expect(await kit.press('tea')).toMatchObject([{ conversation: '7', text: 'Tea it is' }]);
    expect(await kit.press('coffee')).toEqual([]);
    expect(seen).toEqual([
      { action: 'tea', on: 'Pick one' },
      { action: 'coffee', on: 'Pick one' },
    ]);
    expect(kit.acknowledged).toHaveLength(2);
  });

  it('WAMM: numbered options; "2", "tea" or "Tea." run the action once, within the conversation; other bots and later messages are untouched', async () => {
    kit = await createTestKit({ bots: [ask, echo] });
    const asked = await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: 'menu' });
    expect(asked.map((s) => s.text)).toEqual(['Pick one\n\n1. Tea  2. Coffee', 'echo: menu']);
    expect(asked[0]!.buttons).toBeUndefined();
    // Another conversation's "1" answers nothing.
    expect((await kit.receive({ provider: 'wamm', conversation: 'acc:2', text: '1' })).map((s) => s.text)).toEqual(['echo: 1']);
    expect((await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: 'Tea.' })).map((s) => s.text)).toEqual(['Tea it is', 'echo: Tea.']);
    // Answered once: the same answer again is an ordinary message.
    expect((await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: '1' })).map((s) => s.text)).toEqual(['echo: 1']);
    await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: 'menu' });
    expect((await kit.press('coffee')).map((s) => s.text)).toEqual(['echo: 2']);
    expect(seen).toEqual([
      { action: 'tea', on: 'Pick one\n\n1. Tea  2. Coffee' },
      { action: 'coffee', on: 'Pick one\n\n1. Tea  2. Coffee' },
    ]);
  });

  it("SuperViz numbered too; a receive-only provider's reply through replyVia to Telegram gets real buttons there", async () => {
    kit = await createTestKit({ bots: [ask], replyVia: { webinato: { provider: 'telegram', externalId: '-100900' } } });
    const [sv] = await kit.receive({ provider: 'superviz', conversation: 'room-1', text: 'menu' });
    expect(sv).toMatchObject({ text: 'Pick one\n\n1. Tea  2. Coffee' });
    expect((await kit.receive({ provider: 'superviz', conversation: 'room-1', text: '2' })).map((s) => s.text)).toEqual([]);
    expect(seen.at(-1)).toMatchObject({ action: 'coffee' });
    const [via] = await kit.receive({ provider: 'webinato', conversation: 'room-9', title: 'Demo', text: 'menu' });
    expect(via).toMatchObject({ provider: 'telegram', conversation: '-100900', text: '[webinato: Demo] Pick one' });
    expect(via!.buttons).toHaveLength(2);
  });

  it('refuses a button without an action, or an action Telegram could not carry', async () => {
    const bad = (buttons: unknown) => defineBot({ name: 'bad', onMessage: (ctx) => ctx.reply('x', { buttons: buttons as never }) });
    kit = await createTestKit({ bots: [bad([[{ text: 'A' }]]), bad([[{ text: 'B', action: 'x'.repeat(65) }]])] });
    expect(await kit.receive({ provider: 'telegram', conversation: '1', text: 'hi' })).toEqual([]);
    expect(kit.logs.filter((l) => l.message === 'bot failed').map((l) => String((l.err as any)?.message ?? l.err))).toEqual([
      expect.stringContaining('needs an action'),
      expect.stringContaining('longer than 64 bytes'),
    ]);
  });
});
