import type { ConversationInfo, Media, MessageEvent, MessageKind, NormalizedEvent, ParticipantRef } from '../../model';
import { fromUnixSeconds } from '../../model/time';
import type { NormalizeContext } from '../types';
import { TelegramUpdate, type TelegramCallbackQuery, type TelegramChat, type TelegramMessage } from './schema';

export const PROVIDER = 'telegram';

/** The bot's own user id is the token's prefix (`123456789:AA…`), so no getMe is needed to know it. */
export function botIdOf(token: string | undefined): number | undefined {
  const m = token ? /^(\d+):/.exec(token) : null;
  return m ? Number(m[1]) : undefined;
}

export const deliveryKey = (update: { update_id: number }) => `update:${update.update_id}`;
export const messageExternalId = (chatId: number | string, messageId: number) => `${chatId}:${messageId}`;

const nameOf = (p: { first_name?: string; last_name?: string; title?: string; username?: string }) =>
  p.title ?? ([p.first_name, p.last_name].filter(Boolean).join(' ') || (p.username ? `@${p.username}` : undefined));

function conversationOf(chat: TelegramChat): ConversationInfo {
  return { provider: PROVIDER, externalId: String(chat.id), title: nameOf(chat), address: { chatId: chat.id, type: chat.type } };
}

function authorOf(m: TelegramMessage): ParticipantRef {
  if (m.from) return { externalId: String(m.from.id), name: nameOf(m.from), role: m.from.is_bot ? 'bot' : 'user' };
  // Channel posts and anonymous group admins speak as a chat, not a user.
  const chat = m.sender_chat ?? m.chat;
  return { externalId: String(chat.id), name: nameOf(chat), role: 'user' };
}

interface Content {
  kind: MessageKind;
  text?: string;
  media?: Media;
  meta?: Record<string, unknown>;
}

const fileMedia = (f: { file_id: string; file_name?: string; mime_type?: string }, caption?: string): Media => ({
  // Telegram gives a file_id, not a URL: a download URL (getFile) carries the bot token, so none is stored.
  ...(f.mime_type ? { mimeType: f.mime_type } : {}),
  ...(f.file_name ? { fileName: f.file_name } : {}),
  ...(caption ? { caption } : {}),
});

/** What a message carries. The first matching field wins, in the order Telegram documents them. */
function contentOf(m: TelegramMessage): Content | undefined {
  const caption = m.caption;
  const withFile = (kind: MessageKind, f: { file_id: string; file_name?: string; mime_type?: string }): Content => ({
    kind,
    text: caption,
    media: fileMedia(f, caption),
    meta: { fileId: f.file_id },
  });
  if (m.text !== undefined) return { kind: 'text', text: m.text };
  if (m.photo?.length) return withFile('image', m.photo[m.photo.length - 1]!); // the largest size comes last
  if (m.animation) return withFile('video', m.animation);
  if (m.document) return withFile('file', m.document);
  if (m.voice) return withFile('audio', m.voice);
  if (m.audio) return withFile('audio', m.audio);
  if (m.video) return withFile('video', m.video);
  if (m.video_note) return withFile('video', m.video_note);
  if (m.sticker) return { kind: 'sticker', text: m.sticker.emoji, meta: { fileId: m.sticker.file_id } };
  if (m.venue) return { kind: 'location', text: `${m.venue.title}, ${m.venue.address}`, meta: { location: m.venue.location } };
  if (m.location) return { kind: 'location', text: `${m.location.latitude},${m.location.longitude}`, meta: { location: m.location } };
  if (m.contact) {
    const c = m.contact;
    return { kind: 'text', text: [c.first_name, c.last_name, c.phone_number].filter(Boolean).join(' '), meta: { contact: c } };
  }
  return undefined;
}

function messageEvent(m: TelegramMessage, updateKind: string, botId: number | undefined): MessageEvent {
  const content = contentOf(m);
  const ours = botId !== undefined && m.from?.id === botId;
  const edited = updateKind.startsWith('edited_');
  const id = messageExternalId(m.chat.id, m.message_id);
  return {
    type: 'message',
    conversation: conversationOf(m.chat),
    // An edit is a new row (the original stays as it was answered), keyed by the edit time.
    externalId: edited ? `${id}:edit:${m.edit_date ?? m.date}` : id,
    direction: ours ? 'outbound' : 'inbound',
    author: ours ? { externalId: String(botId), name: nameOf(m.from!), role: 'bot' } : authorOf(m),
    // Service messages (members joining, pinned messages, …) carry none of the content fields.
    kind: content?.kind ?? 'event',
    text: content?.text,
    media: content?.media,
    sentAt: fromUnixSeconds(m.edit_date ?? m.date),
    status: ours ? 'sent' : 'received',
    replyToExternalId: m.reply_to_message ? messageExternalId(m.chat.id, m.reply_to_message.message_id) : undefined,
    orderKey: m.message_id,
    // Loop prevention (PROVIDERS.md §7.3): never answer a bot, ourselves included; edits and
    // service messages are recorded, not answered.
    dispatch: !ours && !m.from?.is_bot && !edited && content !== undefined,
    meta: { update: updateKind, ...content?.meta, ...(edited ? { editOf: id } : {}) },
  };
}

function callbackEvent(q: TelegramCallbackQuery, botId: number | undefined, receivedAt: string): MessageEvent | undefined {
  if (!q.message) return undefined;
  return {
    type: 'message',
    conversation: conversationOf(q.message.chat),
    externalId: `callback:${q.id}`,
    direction: 'inbound',
    author: { externalId: String(q.from.id), name: nameOf(q.from), role: q.from.is_bot ? 'bot' : 'user' },
    kind: 'event',
    text: q.data,
    // A callback query carries no date of its own.
    sentAt: receivedAt,
    status: 'received',
    replyToExternalId: messageExternalId(q.message.chat.id, q.message.message_id),
    // A button press sorts right after the message that carries the button.
    orderKey: q.message.message_id + 0.5,
    dispatch: !q.from.is_bot && q.from.id !== botId,
    meta: { update: 'callback_query', callbackQueryId: q.id },
  };
}

/**
 * Pure: one stored Update → conversation-model events. Every update also yields a SequenceEvent on
 * update_id, so the store records skipped ids as gaps (parallel webhook delivery fills them later).
 */
export function normalize(payload: unknown, ctx: NormalizeContext): NormalizedEvent[] {
  const u = TelegramUpdate.parse(payload);
  const botId = botIdOf(ctx.config.TELEGRAM_BOT_TOKEN);
  const events: NormalizedEvent[] = [{ type: 'sequence', provider: PROVIDER, scope: 'updates', sequence: u.update_id }];
  for (const kind of ['message', 'edited_message', 'channel_post', 'edited_channel_post'] as const) {
    const m = u[kind];
    if (m) events.push(messageEvent(m, kind, botId));
  }
  if (u.callback_query) {
    const e = callbackEvent(u.callback_query, botId, ctx.receivedAt);
    if (e) events.push(e);
  }
  return events;
}
