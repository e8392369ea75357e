import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../../src/model';
import { createTelegram, TelegramClient } from '../../../src/providers/telegram/client';
import { ProviderSendError } from '../../../src/model/errors';
import { FakeTelegram } from '../../fakes/telegram';

const conversation = (externalId: string): Conversation => ({
  id: 1,
  provider: 'telegram',
  externalId,
  title: null,
  status: 'open',
  address: {},
  lastMessageAt: null,
  createdAt: '2024-01-01T00:00:00.000Z',
});

describe('TelegramClient against the fake Bot API', () => {
  const fake = new FakeTelegram();
  let client: TelegramClient;
  beforeAll(async () => {
    await fake.start();
    client = new TelegramClient(createTelegram(fake.token, fake.url));
  });
  afterAll(() => fake.stop());

  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderSendError);
    return err as ProviderSendError;
  };

  it('replies into the forum topic and through the business connection the answered message came from', async () => {
    await client.send(conversation('-100501'), { text: 'in topic', route: { messageThreadId: 331 } });
    expect(fake.sent.at(-1)!.params).toMatchObject({ chat_id: -100501, message_thread_id: 331 });
    await client.send(conversation('6100200300'), { text: 'via business', route: { businessConnectionId: 'AbC' } });
    expect(fake.sent.at(-1)!.params).toMatchObject({ chat_id: 6100200300, business_connection_id: 'AbC' });
    expect(fake.sent.at(-1)!.params.message_thread_id).toBeUndefined();
  });

  it('sends to the supergroup a group was upgraded to, as its migrate_to_chat_id said', async () => {
    await client.send({ ...conversation('-4726613835'), address: { migratedTo: -1002352533321 } }, { text: 'moved' });
    expect(fake.sent.at(-1)).toMatchObject({ chat_id: '-1002352533321', text: 'moved' });
  });

  it('typing: sendChatAction "typing" in the topic', async () => {
    await client.typing(conversation('-100502'), { messageThreadId: 2, callbackQueryId: 'x' });
    expect(fake.chatActions.at(-1)).toMatchObject({ chat_id: '-100502', action: 'typing', params: { message_thread_id: 2 } });
  });

  it('a 403 "bot was blocked by the user" is permanent and says blocked', async () => {
    fake.blockedChats.add('777');
    const err = await failure(client.send(conversation('777'), { text: 'x' }));
    expect(err).toMatchObject({ permanent: true, blocked: true });
    fake.blockedChats.delete('777');
  });

  it('sends text, quoting a message of the same chat, and returns chat:message_id', async () => {
    const r = await client.send(conversation('-100500'), { text: 'hello', replyToExternalId: '-100500:7' });
    const s = fake.sent.at(-1)!;
    expect(s).toMatchObject({ method: 'sendMessage', chat_id: '-100500', text: 'hello', reply_to_message_id: 7 });
    expect(r).toEqual({ externalId: `-100500:${s.message_id}`, orderKey: s.message_id });
    await client.send(conversation('-100500'), { text: 'no quote', replyToExternalId: '31:7' });
    expect(fake.sent.at(-1)!.reply_to_message_id).toBeUndefined();
  });

  it('sends media by URL with the text as caption: photos as photos, the rest as documents', async () => {
    await client.send(conversation('31'), { text: 'look', media: { url: 'https://example.com/a.jpg' } });
    expect(fake.sent.at(-1)).toMatchObject({ method: 'sendPhoto', photo: 'https://example.com/a.jpg', caption: 'look' });
    await client.send(conversation('31'), { media: { url: 'https://example.com/a.pdf', mimeType: 'application/pdf' } });
    expect(fake.sent.at(-1)).toMatchObject({ method: 'sendDocument', document: 'https://example.com/a.pdf' });
    const n = fake.sent.length;
    const long = 'x'.repeat(2000);
    const r = await client.send(conversation('31'), { text: long, media: { url: 'https://example.com/b.png' } });
    expect(fake.sent.slice(n).map((s) => s.method)).toEqual(['sendMessage', 'sendPhoto']);
    expect(r.externalId).toBe(`31:${fake.sent[n]!.message_id}`);
  });

  it('classifies errors: 429 transient with retry_after, 5xx transient, 400/403 permanent', async () => {
    fake.failNext.push({ error_code: 429, retry_after: 7 });
    const limited = await failure(client.send(conversation('31'), { text: 'x' }));
    expect(limited).toMatchObject({ permanent: false, retryAfterMs: 7000 });
    fake.failNext.push({ status: 502 });
    expect(await failure(client.send(conversation('31'), { text: 'x' }))).toMatchObject({ permanent: false });
    fake.missingChats.add('404404');
    expect(await failure(client.send(conversation('404404'), { text: 'x' }))).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/chat not found/),
    });
    fake.blockedChats.add('403403');
    expect(await failure(client.send(conversation('403403'), { text: 'x' }))).toMatchObject({ permanent: true, message: expect.stringMatching(/blocked/) });
  });

  it('follows a group upgraded to a supergroup to its new chat id', async () => {
    fake.failNext.push({ error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', migrate_to_chat_id: -1001111 });
    const r = await client.send(conversation('-4242'), { text: 'still there?', replyToExternalId: '-4242:3' });
    const s = fake.sent.at(-1)!;
    expect(s).toMatchObject({ chat_id: '-1001111', text: 'still there?', reply_to_message_id: undefined });
    expect(r.externalId).toBe(`-1001111:${s.message_id}`);
  });

  it('treats an unreachable Bot API as transient and never puts the token in the error', async () => {
    const down = new TelegramClient(createTelegram(fake.token, 'http://127.0.0.1:9'));
    const err = await failure(down.send(conversation('31'), { text: 'x' }));
    expect(err.permanent).toBe(false);
    expect(err.message).not.toContain(fake.token.split(':')[1]);
  });
});
