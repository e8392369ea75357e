import { z } from 'zod';

/**
 * The subset of the Telegram Bot API `Update` (https://core.telegram.org/bots/api#update) that
 * Switchboard reads. Everything is optional except what identifies an update and a message, because
 * Telegram adds fields and update kinds over time: an update we do not understand is still stored
 * (and answered 200, or Telegram would retry it for 24 h) but yields no conversation events. A body
 * without an integer update_id is not an Update at all and gets 400.
 *
 * The raw JSON is what gets stored, not this schema's output, so fields we ignore today are kept.
 */

const int = z.number().int();
/** Unix seconds; bounded so a hostile value cannot make an invalid Date after the body was stored. */
const unixSeconds = int.nonnegative().max(1e11, 'expected Unix seconds');

// Telegram's own example updates (core.telegram.org/bots/webhooks) omit is_bot and chat.type: read
// what is there, default the rest (a user without is_bot is a person).
export const TelegramUser = z.object({
  id: int,
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
export type TelegramUser = z.output<typeof TelegramUser>;

export const TelegramChat = z.object({
  id: int,
  type: z.string().optional(),
  title: z.string().optional(),
  username: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  is_forum: z.boolean().optional(),
});
export type TelegramChat = z.output<typeof TelegramChat>;

const file = z.object({
  file_id: z.string(),
  file_unique_id: z.string().optional(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
  file_size: int.optional(),
});

const location = z.object({ latitude: z.number(), longitude: z.number() });

export const TelegramMessage = z.object({
  message_id: int,
  date: unixSeconds,
  chat: TelegramChat,
  from: TelegramUser.optional(),
  sender_chat: TelegramChat.optional(),
  edit_date: unixSeconds.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(file).optional(),
  document: file.optional(),
  voice: file.optional(),
  audio: file.extend({ title: z.string().optional(), performer: z.string().optional() }).optional(),
  video: file.optional(),
  video_note: file.optional(),
  animation: file.optional(),
  sticker: file.extend({ emoji: z.string().optional() }).optional(),
  location: location.optional(),
  venue: z.object({ location, title: z.string(), address: z.string() }).optional(),
  contact: z.object({ phone_number: z.string(), first_name: z.string(), last_name: z.string().optional(), user_id: int.optional() }).optional(),
  reply_to_message: z.object({ message_id: int }).optional(),
  /** Set on any reply in a supergroup; only with is_topic_message is it a forum topic. */
  message_thread_id: int.optional(),
  is_topic_message: z.boolean().optional(),
  business_connection_id: z.string().optional(),
  migrate_to_chat_id: int.optional(),
  migrate_from_chat_id: int.optional(),
});
export type TelegramMessage = z.output<typeof TelegramMessage>;

export const TelegramCallbackQuery = z.object({
  id: z.string(),
  from: TelegramUser,
  /** Absent when the button's message is too old; then there is no chat to put it in. */
  message: z.object({ message_id: int, chat: TelegramChat, message_thread_id: int.optional(), is_topic_message: z.boolean().optional() }).optional(),
  inline_message_id: z.string().optional(),
  data: z.string().optional(),
});
export type TelegramCallbackQuery = z.output<typeof TelegramCallbackQuery>;

/** https://core.telegram.org/bots/api#chatmemberupdated: the bot's own membership changed. */
export const TelegramChatMemberUpdated = z.object({
  chat: TelegramChat,
  from: TelegramUser,
  date: unixSeconds,
  old_chat_member: z.object({ status: z.string() }),
  new_chat_member: z.object({ status: z.string() }),
});
export type TelegramChatMemberUpdated = z.output<typeof TelegramChatMemberUpdated>;

/** https://core.telegram.org/bots/api#businessconnection */
export const TelegramBusinessConnection = z.object({
  id: z.string(),
  user: TelegramUser,
  user_chat_id: int,
  date: unixSeconds,
  is_enabled: z.boolean().optional(),
});
export type TelegramBusinessConnection = z.output<typeof TelegramBusinessConnection>;

export const TelegramBusinessMessagesDeleted = z.object({
  business_connection_id: z.string(),
  chat: TelegramChat,
  message_ids: z.array(int),
});

export const TelegramUpdate = z.object({
  update_id: int.nonnegative(),
  message: TelegramMessage.optional(),
  edited_message: TelegramMessage.optional(),
  channel_post: TelegramMessage.optional(),
  edited_channel_post: TelegramMessage.optional(),
  business_message: TelegramMessage.optional(),
  edited_business_message: TelegramMessage.optional(),
  callback_query: TelegramCallbackQuery.optional(),
  my_chat_member: TelegramChatMemberUpdated.optional(),
  business_connection: TelegramBusinessConnection.optional(),
  deleted_business_messages: TelegramBusinessMessagesDeleted.optional(),
});
export type TelegramUpdate = z.output<typeof TelegramUpdate>;

/** What the door needs of an update our schema cannot read (issue 16). */
export const TelegramUpdateId = z.looseObject({ update_id: int.nonnegative() });

/** The update kinds we ask Telegram for (setWebhook / getUpdates allowed_updates). */
export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'callback_query',
  'my_chat_member',
] as const;

/** As telegraf's types take them: its typegram predates the business update kinds (Bot API 7.2). */
export const allowedUpdates = () => [...ALLOWED_UPDATES] as unknown as readonly 'message'[];
