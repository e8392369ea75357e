import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramError } from 'telegraf';
import type { Conversation } from '../../../src/model';
import { type BotApi, createBotApi, hasUpload } from '../../../src/providers/telegram/bot-api';
import { TelegramClient } from '../../../src/providers/telegram/client';
import { ProviderSendError } from '../../../src/model/errors';
import { FakeTelegram } from '../../fakes/telegram';

const chat = (externalId: string) =>
  ({
    id: 1,
    provider: 'telegram',
    externalId,
    title: null,
    status: 'open',
    address: {},
    lastMessageAt: null,
    createdAt: '2024-01-01T00:00:00.000Z',
  }) as Conversation;

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );

describe('BotApi: telegraf Telegram with a keep-alive transport for JSON calls', () => {
  const fake = new FakeTelegram();
  let api: BotApi;
  const secret = () => fake.token.split(':')[1]!;
  beforeAll(async () => {
    await fake.start();
    api = createBotApi(fake.token, fake.url);
  });
  afterAll(() => fake.stop());

  it("answers telegraf's methods with the Bot API's result, over a few reused connections", async () => {
    const before = fake.connections;
    const me = await api.getMe();
    expect(me).toMatchObject({ id: fake.bot.id, is_bot: true });
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => api.sendMessage(77, `n${i}`)));
    for (let i = 0; i < 20; i++) await api.sendMessage(77, `s${i}`);
    expect(sent.map((m) => m.chat.id)).toEqual(Array(40).fill(77));
    expect(fake.sent.filter((s) => s.chat_id === '77')).toHaveLength(60);
    // 61 calls: at most one connection per call in flight at once (40), then reused.
    expect(fake.connections - before).toBeLessThanOrEqual(40);
    expect(fake.calls.at(-1)!.contentType).toBe('application/json');
  });

  it('leaves null and undefined fields out, as telegraf does', async () => {
    await api.callApi('sendMessage', { chat_id: 78, text: 'x', parse_mode: undefined, reply_markup: null } as never);
    expect(Object.keys(fake.calls.at(-1)!.params).sort()).toEqual(['chat_id', 'text']);
  });

  it('rejects with TelegramError for an ok:false body, keeping error_code and parameters', async () => {
    fake.failNext.push({ error_code: 429, retry_after: 3 });
    const err = await rejection(api.sendMessage(79, 'x'));
    expect(err).toBeInstanceOf(TelegramError);
    expect((err as TelegramError).code).toBe(429);
    expect((err as TelegramError).parameters).toEqual({ retry_after: 3 });
    expect((err as TelegramError).on).toMatchObject({ method: 'sendMessage' });
  });

  it('rejects with the HTTP status for a 5xx whose body is a proxy page', async () => {
    fake.failNext.push({ status: 503 });
    const err = await rejection(api.sendMessage(79, 'x'));
    expect(err).toBeInstanceOf(TelegramError);
    expect((err as TelegramError).code).toBe(503);
  });

  it('names an answer that is not JSON (with HTTP 200) without the token, as a transient failure', async () => {
    fake.failNext.push({ status: 200, body: '<html>captive portal</html>' });
    const err = await rejection(new TelegramClient(api).send(chat('80'), { text: 'x' }));
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err.message).toMatch(/not JSON.*TELEGRAM_API_ROOT/);
    expect(err.message).not.toContain(secret());
    expect((err as ProviderSendError).permanent).toBe(false);
  });

  it('gives up on a stalled call when the client times out, as a transient failure', async () => {
    fake.failNext.push({ delayMs: 5_000 });
    const started = Date.now();
    const err = await rejection(new TelegramClient(api, undefined, 100).send(chat('81'), { text: 'x' }));
    expect(err.message).toBe('Telegram sendMessage: timed out');
    expect((err as ProviderSendError).permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(4_000);
    // The connection it abandoned is not reused; the next call goes through.
    await expect(api.sendMessage(81, 'after')).resolves.toMatchObject({ text: 'after' });
  });

  it('hands uploads to telegraf (multipart), and only uploads', async () => {
    await api.sendDocument(82, { source: Buffer.from('file body'), filename: 'a.txt' });
    expect(fake.calls.at(-1)).toMatchObject({ method: 'sendDocument', params: { chat_id: '82', document: { filename: 'a.txt', size: 9 } } });
    expect(fake.calls.at(-1)!.contentType).toMatch(/^multipart\/form-data/);
    expect(hasUpload({ chat_id: 1, document: { source: Buffer.from('x') } })).toBe(true);
    expect(hasUpload({ chat_id: 1, media: [{ type: 'photo', media: { url: 'https://x/y.jpg' } }] })).toBe(true);
    // A URL string is sent by reference (Telegram fetches it), and link previews are not files.
    expect(hasUpload({ chat_id: 1, photo: 'https://x/y.jpg', link_preview_options: { url: 'https://x' } })).toBe(false);
    expect(hasUpload({ chat_id: 1, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'a', url: 'https://x' }]] } })).toBe(false);
  });

  it('never puts the token in a network error', async () => {
    const down = createBotApi(fake.token, 'http://127.0.0.1:9');
    const err = await rejection(down.sendMessage(1, 'x'));
    expect(err.message).toBe(`connect ECONNREFUSED 127.0.0.1:9 (POST http://127.0.0.1:9/bot${fake.bot.id}:[REDACTED]/sendMessage)`);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
