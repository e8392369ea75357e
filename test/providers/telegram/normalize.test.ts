import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import type { MessageEvent, NormalizedEvent } from '../../../src/model';
import { telegram } from '../../../src/providers/telegram';
import { botIdOf, normalize } from '../../../src/providers/telegram/normalize';
import type { WebhookRequest } from '../../../src/providers/types';

const config = loadConfig({ TELEGRAM_BOT_TOKEN: '4242:TEST-token', TELEGRAM_WEBHOOK_SECRET: 'hook-secret' });
const ctx = { config, receivedAt: '2024-01-02T03:04:05.000Z' };
const chat = { id: -100777, type: 'supergroup', title: 'Support' };
const from = { id: 31, is_bot: false, first_name: 'Anna', last_name: 'K' };

const messages = (events: NormalizedEvent[]) => events.filter((e): e is MessageEvent => e.type === 'message');
const one = (update: Record<string, unknown>) => {
  const m = messages(normalize({ update_id: 10, ...update }, ctx));
  expect(m).toHaveLength(1);
  return m[0]!;
};
const msg = (extra: Record<string, unknown>) => ({ message: { message_id: 5, date: 1700000000, chat, from, ...extra } });
const req = (body: string, headers: Record<string, string> = {}): WebhookRequest => ({ headers, rawBody: Buffer.from(body), contentType: 'application/json' });

describe('telegram normalize', () => {
  it('maps a text message: chat conversation, composite ids, unix seconds, update_id sequence', () => {
    const events = normalize({ update_id: 10, ...msg({ text: 'hi', reply_to_message: { message_id: 3, date: 1, chat } }) }, ctx);
    expect(events[0]).toEqual({ type: 'sequence', provider: 'telegram', scope: 'updates', sequence: 10 });
    expect(messages(events)[0]).toMatchObject({
      conversation: { provider: 'telegram', externalId: '-100777', title: 'Support', address: { chatId: -100777 } },
      externalId: '-100777:5',
      replyToExternalId: '-100777:3',
      orderKey: 5,
      direction: 'inbound',
      author: { externalId: '31', name: 'Anna K', role: 'user' },
      kind: 'text',
      text: 'hi',
      sentAt: '2023-11-14T22:13:20.000Z',
      dispatch: true,
    });
  });

  it('names a private chat after the person', () => {
    const e = one({ message: { message_id: 1, date: 1, chat: { id: 31, type: 'private', first_name: 'Anna', last_name: 'K' }, from, text: 'x' } });
    expect(e.conversation).toMatchObject({ externalId: '31', title: 'Anna K' });
  });

  it.each([
    [{ photo: [{ file_id: 'small' }, { file_id: 'big' }], caption: 'c' }, 'image', 'c'],
    [{ document: { file_id: 'd', file_name: 'a.pdf', mime_type: 'application/pdf' } }, 'file', undefined],
    [{ voice: { file_id: 'v' } }, 'audio', undefined],
    [{ audio: { file_id: 'a' } }, 'audio', undefined],
    [{ video: { file_id: 'v' } }, 'video', undefined],
    [{ video_note: { file_id: 'v' } }, 'video', undefined],
    [{ sticker: { file_id: 's', emoji: '👍' } }, 'sticker', '👍'],
    [{ location: { latitude: 1.5, longitude: 2 } }, 'location', '1.5,2'],
    [{ venue: { location: { latitude: 1, longitude: 2 }, title: 'Cafe', address: 'Main st' } }, 'location', 'Cafe, Main st'],
    [{ contact: { phone_number: '+7900', first_name: 'Bob' } }, 'text', 'Bob +7900'],
  ])('maps %j to kind %s', (content, kind, text) => {
    const e = one(msg(content));
    expect(e.kind).toBe(kind);
    expect(e.text).toBe(text);
    expect(e.dispatch).toBe(true);
  });

  it('keeps the largest photo size and file metadata, never a URL (it would hold the token)', () => {
    const e = one(msg({ photo: [{ file_id: 'small' }, { file_id: 'big' }] }));
    expect(e.meta).toMatchObject({ fileId: 'big' });
    expect(e.media?.url).toBeUndefined();
    expect(one(msg({ document: { file_id: 'd', file_name: 'a.pdf', mime_type: 'application/pdf' } })).media).toEqual({
      fileName: 'a.pdf',
      mimeType: 'application/pdf',
    });
  });

  it('never dispatches messages from bots or from our own bot (loop prevention)', () => {
    expect(botIdOf(config.TELEGRAM_BOT_TOKEN)).toBe(4242);
    const other = one(msg({ from: { id: 99, is_bot: true, first_name: 'B' }, text: 'x' }));
    expect(other).toMatchObject({ dispatch: false, direction: 'inbound', author: { role: 'bot' } });
    const ours = one(msg({ from: { id: 4242, is_bot: true, first_name: 'Me' }, text: 'x' }));
    expect(ours).toMatchObject({ dispatch: false, direction: 'outbound', status: 'sent', author: { externalId: '4242', role: 'bot' } });
  });

  it('an edit names the message it changes (kept undispatched in case it was never seen) and carries the new text; service messages are events', () => {
    const events = normalize({ update_id: 10, edited_message: { message_id: 5, date: 1, edit_date: 100, chat, from, text: 'fixed' } }, ctx);
    expect(messages(events)[0]).toMatchObject({ externalId: '-100777:5', dispatch: false, text: 'fixed' });
    expect(events.find((e) => e.type === 'edit')).toEqual({
      type: 'edit',
      provider: 'telegram',
      messageExternalId: '-100777:5',
      text: 'fixed',
      at: '1970-01-01T00:01:40.000Z',
      externalId: '-100777:5:100',
      dispatch: true,
    });
    const joined = one(msg({ new_chat_members: [from] }));
    expect(joined).toMatchObject({ kind: 'event', dispatch: false });
  });

  it('channel posts speak as the channel', () => {
    const e = one({ channel_post: { message_id: 2, date: 1, chat: { id: -1009, type: 'channel', title: 'News' }, text: 'x' } });
    expect(e.author).toEqual({ externalId: '-1009', name: 'News', role: 'user' });
  });

  it('turns a button press into an event after its message; unknown kinds yield only the sequence', () => {
    const e = one({ callback_query: { id: 'q1', from, data: 'yes', message: { message_id: 8, date: 1, chat } } });
    expect(e).toMatchObject({ externalId: 'callback:q1', kind: 'event', text: 'yes', orderKey: 8.5, sentAt: ctx.receivedAt, dispatch: true });
    expect(normalize({ update_id: 11, chat_boost: { chat } }, ctx)).toEqual([{ type: 'sequence', provider: 'telegram', scope: 'updates', sequence: 11 }]);
  });

  it('an anonymous admin (GroupAnonymousBot + sender_chat) is a person speaking as the group; another bot is not', () => {
    const anon = one(msg({ from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' }, sender_chat: chat, text: 'x' }));
    expect(anon).toMatchObject({ dispatch: true, author: { externalId: '-100777', role: 'user' } });
  });

  it('routes a reply into the forum topic only when is_topic_message, and through the business connection', () => {
    expect(one(msg({ text: 'x', message_thread_id: 9, is_topic_message: true })).meta?.replyRoute).toEqual({ messageThreadId: 9 });
    expect(one(msg({ text: 'x', message_thread_id: 9 })).meta?.replyRoute).toBeUndefined();
    const b = one({ business_message: { message_id: 3, date: 1, chat: { id: 31, type: 'private' }, from, text: 'x', business_connection_id: 'bc' } });
    expect(b).toMatchObject({ dispatch: true, meta: { replyRoute: { businessConnectionId: 'bc' } } });
  });

  it('my_chat_member kicked / member in a private chat blocks / reopens the conversation', () => {
    const member = (status: string) =>
      normalize(
        {
          update_id: 12,
          my_chat_member: { chat: { id: 31, type: 'private' }, from, date: 5, old_chat_member: { status: 'member' }, new_chat_member: { status } },
        },
        ctx,
      )[1];
    expect(member('kicked')).toMatchObject({ type: 'session', name: 'chat.blocked', conversation: { externalId: '31', address: { blocked: true } } });
    expect(member('member')).toMatchObject({ type: 'session', name: 'chat.unblocked', conversation: { address: { blocked: false } } });
    const next = one({ message: { message_id: 1, date: 1, chat: { id: 31, type: 'private' }, from, text: 'back' } });
    expect(next.conversation.address).toMatchObject({ blocked: false });
  });

  it('parse: update:<update_id> keys, raw body stored, 400-worthy errors named', () => {
    const body = JSON.stringify({ update_id: 77, future_field: { a: 1 } });
    expect(telegram.parse(req(body), config)).toEqual({ ok: true, deliveries: [{ key: 'update:77', payload: { update_id: 77, future_field: { a: 1 } } }] });
    const bad = telegram.parse(req('{"message":{}}'), config);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/update_id/);
  });

  it('verify: the secret header when sent must match', () => {
    expect(telegram.verify!(req('{}', { 'x-telegram-bot-api-secret-token': 'hook-secret' }), config)).toEqual({ ok: true });
    expect(telegram.verify!(req('{}', { 'x-telegram-bot-api-secret-token': 'nope' }), config).ok).toBe(false);
    expect(telegram.verify!(req('{}', { 'x-telegram-bot-api-secret-token': '' }), config).ok).toBe(false);
    expect(telegram.verify!(req('{}'), config)).toEqual({ ok: true });
  });
});
