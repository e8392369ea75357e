import { afterEach, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { createTestKit, type TestKit } from '../../src/testing';

/** ctx.typing(): shown at once, repeated while the handler runs, stopped when it returns; a no-op without the capability. */
describe('ctx.typing()', () => {
  let kit: TestKit;
  afterEach(() => kit?.close());

  it('shows "typing…" on Telegram and keeps it up (every 4 s) until the handler is done; nothing on WAMM', async () => {
    const slow = defineBot({
      name: 'slow',
      async onMessage(ctx) {
        await ctx.typing();
        await ctx.typing(); // twice is once
        if (ctx.message?.text === 'think') {
          // Thinks until the indicator was refreshed once (Telegram drops it after ~5 s).
          while (kit.typing.length < 2) await new Promise((r) => setTimeout(r, 100));
        }
        await ctx.reply('done');
      },
    });
    kit = await createTestKit({ bots: [slow] });
    await kit.receive({ provider: 'telegram', conversation: '9', text: 'think' });
    expect(kit.typing).toEqual([
      { provider: 'telegram', conversation: '9' },
      { provider: 'telegram', conversation: '9' },
    ]);
    await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: 'quick' });
    expect(kit.sent.map((s) => s.text)).toEqual(['done', 'done']);
    expect(kit.typing).toHaveLength(2);
  });
});
