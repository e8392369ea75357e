import type { ConversationInfo, Media, MessageEvent, MessageKind, NormalizedEvent, ParticipantRef, SessionEvent } from '../../model';
import { fromUnixSeconds } from '../../model/time';
import type { NormalizeContext } from '../types';
import {
  TelegramUpdate,
  type TelegramBusinessConnection,
  type TelegramCallbackQuery,
  type TelegramChat,
  type TelegramChatMemberUpdated,
  type TelegramMessage,
} from './schema';

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

/**
 * Telegram's stand-in senders: an anonymous group admin posts as @GroupAnonymousBot and a user
 * speaking as one of their channels as @Channel_Bot, each with `sender_chat`. A person wrote those.
 */
export const GROUP_ANONYMOUS_BOT = 1087968824;
export const CHANNEL_BOT = 136817688;

function conversationOf(chat: TelegramChat, extra?: Record<string, unknown>): ConversationInfo {
  return { provider: PROVIDER, externalId: String(chat.id), title: nameOf(chat), address: { chatId: chat.id, type: chat.type, ...extra } };
}

function authorOf(m: TelegramMessage): ParticipantRef {
  // Channel posts (no `from`) and anonymous admins speak as a chat, not a user.
  if (m.sender_chat || !m.from) {
    const chat = m.sender_chat ?? m.chat;
    return { externalId: String(chat.id), name: nameOf(chat), role: 'user' };
  }
  return { externalId: String(m.from.id), name: nameOf(m.from), role: m.from.is_bot ? 'bot' : 'user' };
}

/**
 * Where a reply to this message must go besides the chat: its forum topic (only when
 * is_topic_message; a plain supergroup reply carries message_thread_id too, and the General topic
 * none) and the business connection it came through.
 */
export function replyRouteOf(m: {
  message_thread_id?: number;
  is_topic_message?: boolean;
  business_connection_id?: string;
}): Record<string, unknown> | undefined {
  const route: Record<string, unknown> = {};
  if (m.is_topic_message && m.message_thread_id !== undefined) route.messageThreadId = m.message_thread_id;
  if (m.business_connection_id) route.businessConnectionId = m.business_connection_id;
  return Object.keys(route).length > 0 ? route : undefined;
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
  const business = updateKind.endsWith('business_message');
  const id = messageExternalId(m.chat.id, m.message_id);
  const author = authorOf(m);
  // In a business chat the chat is the customer; anyone else writing there is the account's owner
  // (an operator), whose messages are recorded, not answered.
  const owner = business && !ours && m.from !== undefined && m.from.id !== m.chat.id;
  // A person wrote it: not our own bot, not another bot, unless Telegram's stand-in for a person.
  const person = !ours && !owner && (author.role !== 'bot' || m.sender_chat !== undefined);
  const route = replyRouteOf(m);
  // Someone writing in a private chat has unblocked us (a block stops them from writing).
  const reopened = m.chat.type === 'private' && person ? { blocked: false } : undefined;
  const migrated = m.migrate_to_chat_id !== undefined ? { migratedTo: m.migrate_to_chat_id } : undefined;
  return {
    type: 'message',
    conversation: conversationOf(m.chat, { ...reopened, ...migrated }),
    // An edit names the message it changes: its row (created here if it was never seen) takes the
    // new text through the EditEvent beside it, keeping the old ones.
    externalId: id,
    direction: ours || owner ? 'outbound' : 'inbound',
    author: ours ? { externalId: String(botId), name: nameOf(m.from!), role: 'bot' } : owner ? { ...author, role: 'operator' } : author,
    // Service messages (members joining, pinned messages, …) carry none of the content fields.
    kind: content?.kind ?? 'event',
    text: content?.text,
    media: content?.media,
    sentAt: fromUnixSeconds(m.date),
    status: ours || owner ? 'sent' : 'received',
    replyToExternalId: m.reply_to_message ? messageExternalId(m.chat.id, m.reply_to_message.message_id) : undefined,
    orderKey: m.message_id,
    // Loop prevention (PROVIDERS.md §7.3): never answer a bot, ourselves included; edits and
    // service messages are recorded, not answered.
    dispatch: person && !edited && content !== undefined,
    meta: {
      update: updateKind,
      ...content?.meta,
      ...(route ? { replyRoute: route } : {}),
      ...(m.migrate_to_chat_id !== undefined ? { migrateToChatId: m.migrate_to_chat_id } : {}),
      ...(m.migrate_from_chat_id !== undefined ? { migrateFromChatId: m.migrate_from_chat_id } : {}),
    },
  };
}

function callbackEvent(q: TelegramCallbackQuery, botId: number | undefined, receivedAt: string): MessageEvent {
  const person = !q.from.is_bot && q.from.id !== botId;
  const author: ParticipantRef = { externalId: String(q.from.id), name: nameOf(q.from), role: q.from.is_bot ? 'bot' : 'user' };
  const common = {
    type: 'message' as const,
    externalId: `callback:${q.id}`,
    direction: 'inbound' as const,
    author,
    kind: 'event' as const,
    text: q.data,
    // A callback query carries no date of its own.
    sentAt: receivedAt,
    status: 'received' as const,
  };
  if (!q.message) {
    // A button under an inline-mode message: no chat is named. It is kept in the presser's private
    // chat (its id is theirs), where a bot may not be allowed to write, so it is not dispatched.
    return {
      ...common,
      conversation: { provider: PROVIDER, externalId: String(q.from.id), title: nameOf(q.from) },
      orderKey: 0,
      dispatch: false,
      meta: { update: 'callback_query', callbackQueryId: q.id, inlineMessageId: q.inline_message_id, action: q.data },
    };
  }
  // Replies to the press carry its id, so the send answers the query (answerCallbackQuery) too.
  const route = { ...replyRouteOf(q.message), callbackQueryId: q.id };
  return {
    ...common,
    conversation: conversationOf(q.message.chat),
    replyToExternalId: messageExternalId(q.message.chat.id, q.message.message_id),
    // A button press sorts right after the message that carries the button.
    orderKey: q.message.message_id + 0.5,
    dispatch: person,
    meta: { update: 'callback_query', callbackQueryId: q.id, action: q.data, replyRoute: route },
  };
}

/**
 * The bot's own membership. In a private chat "kicked" is the user blocking the bot and "member"
 * unblocking it: the conversation is flagged so no reply is attempted while blocked.
 */
function memberEvent(u: TelegramChatMemberUpdated, updateId: number): SessionEvent {
  const status = u.new_chat_member.status;
  const isPrivate = u.chat.type === 'private';
  const name = isPrivate && status === 'kicked' ? 'chat.blocked' : isPrivate && status === 'member' ? 'chat.unblocked' : `bot.${status}`;
  const blocked = isPrivate && (status === 'kicked' || status === 'member') ? { blocked: status === 'kicked' } : undefined;
  return {
    type: 'session',
    conversation: conversationOf(u.chat, blocked),
    name,
    participant: { externalId: String(u.from.id), name: nameOf(u.from), role: u.from.is_bot ? 'bot' : 'user' },
    at: fromUnixSeconds(u.date),
    externalId: `member:${updateId}`,
    // No message id: it sorts by its date, after the chat's messages.
    orderKey: u.date,
    data: { from: u.old_chat_member.status, to: status },
  };
}

function businessConnectionEvent(c: TelegramBusinessConnection, updateId: number): SessionEvent {
  return {
    type: 'session',
    conversation: { provider: PROVIDER, externalId: String(c.user_chat_id), title: nameOf(c.user), address: { chatId: c.user_chat_id, type: 'private' } },
    name: c.is_enabled === false ? 'business.disconnected' : 'business.connected',
    participant: { externalId: String(c.user.id), name: nameOf(c.user), role: 'user' },
    at: fromUnixSeconds(c.date),
    externalId: `business_connection:${updateId}`,
    orderKey: c.date,
    data: { businessConnectionId: c.id },
  };
}

/**
 * Pure: one stored Update → conversation-model events. Every update also yields a SequenceEvent on
 * update_id, so the store records skipped ids as gaps (parallel webhook delivery fills them later).
 */
const MESSAGE_KINDS = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_message', 'edited_business_message'] as const;

export function normalize(payload: unknown, ctx: NormalizeContext): NormalizedEvent[] {
  const u = TelegramUpdate.parse(payload);
  const botId = botIdOf(ctx.config.TELEGRAM_BOT_TOKEN);
  const events: NormalizedEvent[] = [{ type: 'sequence', provider: PROVIDER, scope: 'updates', sequence: u.update_id }];
  for (const kind of MESSAGE_KINDS) {
    const m = u[kind];
    if (!m) continue;
    const e = messageEvent(m, kind, botId);
    events.push(e);
    if (kind.startsWith('edited_')) {
      const person = e.direction === 'inbound' && e.author.role !== 'bot';
      const at = fromUnixSeconds(m.edit_date ?? m.date);
      events.push({
        type: 'edit',
        provider: PROVIDER,
        messageExternalId: e.externalId,
        text: e.text,
        at,
        externalId: `${e.externalId}:${m.edit_date ?? m.date}`,
        dispatch: person,
      });
    }
  }
  if (u.callback_query) events.push(callbackEvent(u.callback_query, botId, ctx.receivedAt));
  if (u.my_chat_member) events.push(memberEvent(u.my_chat_member, u.update_id));
  if (u.business_connection) events.push(businessConnectionEvent(u.business_connection, u.update_id));
  const deleted = u.deleted_business_messages;
  if (deleted) {
    const at = ctx.receivedAt;
    for (const id of deleted.message_ids) {
      const deletedId = messageExternalId(deleted.chat.id, id);
      events.push({ type: 'status', provider: PROVIDER, messageExternalId: deletedId, status: 'deleted', at, externalId: `deleted:${deletedId}` });
    }
  }
  return events;
}
