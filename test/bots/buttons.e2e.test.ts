import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram';
import { FakeWamm } from '../fakes/wamm';
import { wammMessage } from '../fixtures/wamm';
import { eventually, startServer, tempDir, type ServerProcess } from '../helpers/process';

/**
 * Buttons through the real server process with the shipped `confirm` bot (bots/confirm.ts): on
 * Telegram an inline keyboard and the press answered (answerCallbackQuery) with the reply; on WAMM
 * numbered options, and the customer's "2" runs the action once, also after a restart between the
 * question and the answer (the open question is kept in the store).
 */
describe('buttons on Telegram (real server process, fake Bot API)', () => {
  const SECRET = 'tg-buttons-secret_77';
  const dir = tempDir();
  const fake = new FakeTelegram();
  let sb: ServerProcess;
  const post = (body: unknown) =>
    fetch(`${sb.url}/webhooks/telegram/${SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    await fake.start();
    sb = await startServer({ DATA_DIR: dir.path, ...fake.env(SECRET), BOTS: 'confirm' });
  });
  afterAll(async () => {
    await sb?.stop();
    await fake.stop();
    dir.remove();
  });

  it('sends an inline keyboard; a press (callback_query) runs the action once and is answered', async () => {
    const chat = { id: 5101, type: 'private' as const, first_name: 'Vera' };
    expect((await post(fake.messageUpdate({ chat, text: 'book a table' }))).status).toBe(200);
    const ask = await eventually(async () => fake.sent.find((s) => s.chat_id === String(chat.id)));
    expect(ask).toMatchObject({ text: 'Book it?' });
    expect(ask.params.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Yes', callback_data: 'yes' },
          { text: 'No', callback_data: 'no' },
        ],
      ],
    });
    const press = {
      update_id: 700_100_001,
      callback_query: {
        id: '4382000000000000001',
        from: { id: chat.id, is_bot: false, first_name: 'Vera' },
        message: { message_id: ask.message_id, from: fake.bot, chat, date: 1717000000, text: 'Book it?' },
        chat_instance: '-1000',
        data: 'yes',
      },
    };
    expect((await post(press)).status).toBe(200);
    expect((await post(press)).status).toBe(200); // Telegram's retry: a duplicate
    const booked = await eventually(async () => fake.sent.find((s) => s.chat_id === String(chat.id) && s.text === 'Booked.'));
    expect(fake.answeredQueries.map((q) => q.id)).toEqual(['4382000000000000001']);
    const answeredAt = fake.calls.findIndex((c) => c.method === 'answerCallbackQuery');
    const sentAt = fake.calls.findIndex((c) => c.method === 'sendMessage' && c.params.text === 'Booked.');
    expect(answeredAt).toBeLessThan(sentAt);
    expect(booked.params.reply_markup).toBeUndefined();

    // A press whose handler sends nothing is still answered (the spinner stops); a stale query costs nothing.
    fake.expiredQueries.add('4382000000000000003');
    await post({ ...press, update_id: 700_100_002, callback_query: { ...press.callback_query, id: '4382000000000000002', data: 'maybe' } });
    await post({ ...press, update_id: 700_100_003, callback_query: { ...press.callback_query, id: '4382000000000000003', data: 'no' } });
    await eventually(async () => fake.sent.some((s) => s.chat_id === String(chat.id) && s.text === 'Cancelled.'));
    await eventually(async () => fake.answeredQueries.some((q) => q.id === '4382000000000000002'));
    expect(fake.sent.filter((s) => s.chat_id === String(chat.id)).map((s) => s.text)).toEqual(['Book it?', 'Booked.', 'Cancelled.']);
  });
});

describe('buttons on WAMM: numbered options (real server process, fake WAMM API)', () => {
  const SECRET = 'wamm-buttons-secret-1';
  const TOKEN = 'wamm-buttons-token';
  const dir = tempDir();
  const wamm = new FakeWamm(TOKEN);
  let sb: ServerProcess;
  let env: Record<string, string>;
  const post = (id: number, text: string) =>
    fetch(`${sb.url}/webhooks/wamm/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(wammMessage({ msg_id: id, msg_text: text })),
    });

  beforeAll(async () => {
    await wamm.start();
    env = { DATA_DIR: dir.path, WAMM_WEBHOOK_SECRET: SECRET, WAMM_API_TOKEN: TOKEN, WAMM_API_URL: wamm.url, WAMM_SEND_INTERVAL_MS: '1', BOTS: 'confirm,echo' };
    sb = await startServer(env);
  });
  afterAll(async () => {
    await sb?.stop();
    await wamm.stop();
    dir.remove();
  });

  it('asks "1. Yes  2. No"; after a restart the customer\'s "2" runs the action once, a second "2" is a plain message', async () => {
    expect((await post(3001, 'book please')).status).toBe(200);
    await eventually(async () => wamm.sent.length === 2);
    expect(wamm.sent.map((s) => s.text).sort()).toEqual(['Book it?\n\n1. Yes  2. No', 'book please']);

    await sb.stop();
    sb = await startServer(env);

    expect((await post(3002, '2')).status).toBe(200);
    await eventually(async () => wamm.sent.length === 4);
    expect(
      wamm.sent
        .slice(2)
        .map((s) => s.text)
        .sort(),
    ).toEqual(['2', 'Cancelled.']);
    expect((await post(3003, '2')).status).toBe(200);
    await eventually(async () => wamm.sent.length === 5);
    expect(wamm.sent[4]!.text).toBe('2');
  });
});
