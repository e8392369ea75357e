import type { Logger } from 'winston';
import type { Conversation, OutgoingMessage } from '../../model';
import type { ProviderClient, SendResult } from '../types';
import { ProviderSendError } from '../../model/errors';
import { type BotApi, type CallOptions, createBotApi } from './bot-api';
import { isTelegramError } from './telegraf';
import { messageExternalId } from './normalize';

/**
 * Replies through the Bot API with telegraf's `Telegram` client (PROVIDERS.md §6), on the lighter
 * keep-alive transport of bot-api.ts for JSON calls. webhookReply is
 * off: telegraf would otherwise write some calls into the webhook's HTTP response, which cannot
 * report errors, and our webhook response is not telegraf's anyway.
 */

export const TELEGRAM_MAX_TEXT = 4096;
/** Captions are shorter than messages; a longer text goes out as its own message. */
const MAX_CAPTION = 1024;
const IMAGE_URL = /\.(jpe?g|png|webp)(\?.*)?$/i;

export function createTelegram(token: string, apiRoot: string): BotApi {
  return createBotApi(token, apiRoot);
}

/** Map a failed Bot API call to the outbox's retry classification. */
export function sendError(err: unknown, what: string): ProviderSendError {
  if (isTelegramError(err)) {
    const code = err.code;
    const retryAfter = err.parameters?.retry_after;
    const message = `Telegram ${what}: ${err.description || `error ${code}`}`;
    if (code === 429) return new ProviderSendError(message, false, retryAfter !== undefined ? retryAfter * 1000 : undefined);
    // 5xx: Telegram's side; 400/401/403/404 (chat not found, bot blocked, bad token) will not heal by retrying.
    const blocked = code === 403 && /blocked by the user/i.test(err.description ?? '');
    return new ProviderSendError(message, code < 500, undefined, blocked);
  }
  // Network errors, timeouts and unreadable answers are worth another try. telegraf redacts the token in them.
  const e = err as Error;
  return new ProviderSendError(`Telegram ${what}: ${e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timed out' : e.message}`, false);
}

export class TelegramClient implements ProviderClient {
  constructor(
    private readonly telegram: BotApi,
    private readonly log?: Logger,
    private readonly timeoutMs = 15_000,
  ) {}

  /** `opts` are BotApi's CallOptions (a deadline); telegraf's callApi types only a signal there, hence never. */
  private async call<T>(what: string, fn: (opts: never) => Promise<T>): Promise<T> {
    const opts: CallOptions = { timeoutMs: this.timeoutMs };
    try {
      return await fn(opts as never);
    } catch (err) {
      throw Object.assign(sendError(err, what), { cause: err });
    }
  }

  async send(conversation: Conversation, message: OutgoingMessage): Promise<SendResult> {
    const query = message.route?.callbackQueryId;
    if (typeof query === 'string') {
      // A press is answered once its handler is done (this reply, or the acknowledgement alone).
      // A query too old to answer (Telegram allows a few seconds) must not cost the reply.
      await this.call('answerCallbackQuery', (opts) => this.telegram.callApi('answerCallbackQuery', { callback_query_id: query }, opts)).catch((err) =>
        this.log?.info('Telegram answerCallbackQuery refused; the reply goes out anyway', { error: (err as Error).message }),
      );
      if (message.text === undefined && !message.media) return {};
    }
    // A group upgraded to a supergroup, as its last service message said: the new id at once.
    const migrated = conversation.address.migratedTo;
    if (typeof migrated === 'number') return this.sendTo(migrated, message, {});
    const chatId = /^-?\d+$/.test(conversation.externalId) ? Number(conversation.externalId) : conversation.externalId;
    try {
      return await this.sendTo(chatId, message, replyParameters(conversation.externalId, message.replyToExternalId));
    } catch (err) {
      // A group upgraded to a supergroup has a new id; Telegram names it. Message ids start anew
      // there, so the quote is dropped. The result's externalId carries the new chat id.
      const cause = (err as Error).cause;
      const migrated = isTelegramError(cause) ? cause.parameters?.migrate_to_chat_id : undefined;
      if (migrated === undefined) throw err;
      this.log?.warn('Telegram group was upgraded to a supergroup; sending to its new id', { from: conversation.externalId, to: migrated });
      return this.sendTo(migrated, message, {});
    }
  }

  async typing(conversation: Conversation, route?: Record<string, unknown>): Promise<void> {
    const chatId = conversation.address.migratedTo ?? conversation.externalId;
    await this.call('sendChatAction', (opts) =>
      this.telegram.callApi('sendChatAction', { chat_id: chatId as number, action: 'typing', ...routeParameters(route) }, opts),
    );
  }

  private async sendTo(chatId: number | string, message: OutgoingMessage, quote: ReturnType<typeof replyParameters>): Promise<SendResult> {
    const replyTo = { ...routeParameters(message.route), ...quote };
    const keyboard = message.buttons?.length
      ? { reply_markup: { inline_keyboard: message.buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.action }))) } }
      : {};
    const text = message.text?.slice(0, TELEGRAM_MAX_TEXT);
    const media = message.media?.url ? message.media : undefined;

    let sent: { message_id: number; chat: { id: number } } | undefined;
    if (text && (!media || text.length > MAX_CAPTION)) {
      sent = await this.call('sendMessage', (opts) => this.telegram.callApi('sendMessage', { chat_id: chatId, text, ...replyTo, ...keyboard }, opts));
    }
    if (media) {
      const caption = !sent && text ? text : media.caption?.slice(0, MAX_CAPTION);
      const asPhoto = media.mimeType ? media.mimeType.startsWith('image/') && media.mimeType !== 'image/gif' : IMAGE_URL.test(media.url!);
      // By URL: Telegram downloads the file itself, so nothing passes through this process.
      const m = asPhoto
        ? await this.call('sendPhoto', (opts) =>
            this.telegram.callApi(
              'sendPhoto',
              { chat_id: chatId, photo: media.url!, caption, ...(sent ? routeParameters(message.route) : { ...replyTo, ...keyboard }) },
              opts,
            ),
          )
        : await this.call('sendDocument', (opts) =>
            this.telegram.callApi(
              'sendDocument',
              { chat_id: chatId, document: media.url!, caption, ...(sent ? routeParameters(message.route) : { ...replyTo, ...keyboard }) },
              opts,
            ),
          );
      sent ??= m;
    }
    if (!sent) throw new ProviderSendError('Telegram send: nothing to send (no text and no media URL)', true);
    const externalId = messageExternalId(sent.chat.id, sent.message_id);
    this.log?.debug('telegram send ok', { chatId: sent.chat.id, externalId });
    return { externalId, orderKey: sent.message_id };
  }
}

/** Quote the message replied to, when it is in the same chat; a deleted original must not fail the send. */
function replyParameters(chat: string, replyTo: string | undefined) {
  if (!replyTo?.startsWith(`${chat}:`)) return {};
  const id = Number(replyTo.slice(chat.length + 1));
  if (!Number.isInteger(id)) return {};
  return { reply_parameters: { message_id: id, allow_sending_without_reply: true } };
}

/** A forum topic and a business connection, as the answered message named them (normalize's replyRoute). */
function routeParameters(route: OutgoingMessage['route']) {
  const out: { message_thread_id?: number; business_connection_id?: string } = {};
  if (typeof route?.messageThreadId === 'number') out.message_thread_id = route.messageThreadId;
  if (typeof route?.businessConnectionId === 'string') out.business_connection_id = route.businessConnectionId;
  return out;
}
