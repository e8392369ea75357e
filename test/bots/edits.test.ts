import { afterEach, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { normalize as wammNormalize } from '../../src/providers/wamm/normalize';
import { loadConfig } from '../../src/config/env';
import { createTestKit, type TestKit } from '../../src/testing';

/** Edits and deletions through the real pipeline (test kit): the message keeps its texts, bots see `edited`. */
describe('edited and deleted messages', () => {
  let kit: TestKit;
  afterEach(() => kit?.close());
  const seen: unknown[] = [];
  const watcher = defineBot({
    name: 'watcher',
    filter: { kind: 'text' },
    onMessage: (ctx) => ctx.reply(`got: ${ctx.message!.text}`),
    async onEdit(ctx) {
      if (ctx.event.type !== 'edited') return;
      seen.push({ now: ctx.message!.text, before: ctx.event.previousText, history: ctx.message!.meta?.history });
      await ctx.reply(`you changed "${ctx.event.previousText}" to "${ctx.message!.text}"`);
    },
  });
  const edit = (id: string, text: string, n: number, dispatch = true) =>
    kit.deliver('telegram', [
      { type: 'edit', provider: 'telegram', messageExternalId: id, text, at: `2026-01-02T00:00:0${n}.000Z`, externalId: `${id}:${n}`, dispatch },
    ]);

  it('an edit updates the text, keeps the earlier ones in order, runs onEdit once; a repeat or a no-op changes nothing', async () => {
    kit = await createTestKit({ bots: [watcher] });
    await kit.receive({ provider: 'telegram', conversation: '5', text: 'helo', id: '5:1' });
    expect((await edit('5:1', 'hello', 1)).map((s) => s.text)).toEqual(['you changed "helo" to "hello"']);
    expect(await edit('5:1', 'hello', 1)).toEqual([]); // the same edit delivered again
    expect(await edit('5:1', 'hello', 2)).toEqual([]); // an edit that changes nothing (a reaction, a link preview)
    expect((await edit('5:1', 'hello!', 3)).map((s) => s.text)).toEqual(['you changed "hello" to "hello!"']);
    expect(await edit('5:1', 'HELLO', 4, false)).toEqual([]); // recorded, not for the bots
    const [m] = await kit.messages('telegram', '5');
    expect(m).toMatchObject({ text: 'HELLO', meta: { editedAt: '2026-01-02T00:00:04.000Z' } });
    expect(m!.meta!.history).toEqual([
      { text: 'helo', until: '2026-01-02T00:00:01.000Z' },
      { text: 'hello', until: '2026-01-02T00:00:03.000Z' },
      { text: 'hello!', until: '2026-01-02T00:00:04.000Z' },
    ]);
    expect(seen).toHaveLength(2);
    expect(await edit('5:404', 'never seen', 5)).toEqual([]);
  });

  it('WAMM msg_state "deleted" marks the message deleted', async () => {
    kit = await createTestKit({ bots: [watcher] });
    await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: 'oops', id: '777' });
    const config = loadConfig({ WAMM_WEBHOOK_SECRET: 's' });
    const events = wammNormalize(
      { tip: 'msg_state', msg_data: { msg_id: '777', date_upd: '2023-05-24 22:46:03', state: 'deleted' } },
      { config, receivedAt: '2026-01-02T00:00:00.000Z' },
    );
    await kit.deliver('wamm', events);
    const [m] = await kit.messages('wamm', 'acc:1');
    expect(m).toMatchObject({ externalId: '777', status: 'deleted', rawStatus: 'deleted' });
  });
});
