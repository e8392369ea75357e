import type { Statement } from './sql';
import type { NewOutbound, OutboxItem } from './types';

/** A bot's reply as rows, shared by the transaction (outbox.ts) and PostgreSQL's one-statement form (postgres/one-statement.ts). */

/**
 * The row of a bot's reply in `messages` (written by the transaction in outbox.ts and by
 * `completeOneReply`): its columns, the values after VALUES / SELECT, and their parameters.
 * `orderKey` is SQL with its own parameters (a value, or the PostgreSQL form's lookup).
 */
export function replyMessage(o: NewOutbound, conversationId: number, provider: string, at: string, orderKey: Statement): Statement & { columns: string } {
  return {
    columns: `(conversation_id, provider, external_id, direction, author_id, author_name, author_role, kind, text, media,
               sent_at, status, order_key, reply_to, meta, created_at)`,
    sql: `?, ?, NULL, 'outbound', 'switchboard', ?, 'bot', ?, ?, ?, ?, 'pending', ${orderKey.sql}, ?, ?, ?`,
    params: [
      conversationId,
      provider,
      o.authorName ?? null,
      // No text and no media: an acknowledgement only (Telegram's answerCallbackQuery).
      o.message.media && !o.message.text ? 'file' : o.message.text === undefined && !o.message.media ? 'event' : 'text',
      o.message.text ?? null,
      o.message.media ? JSON.stringify(o.message.media) : null,
      at,
      ...orderKey.params,
      o.message.replyToExternalId ?? null,
      o.meta ? JSON.stringify(o.meta) : null,
      at,
    ],
  };
}

/** The outbox item a reply just enqueued, as both forms hand it to the outbox (with the conversation its bot run read). */
export function enqueuedItem(o: NewOutbound, ids: { id: number; messageId: number }, conversationId: number, provider: string, at: string): OutboxItem {
  return {
    id: ids.id,
    conversationId,
    provider,
    messageId: ids.messageId,
    message: o.message,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
    ...(o.conversationRead?.id === conversationId ? { conversation: o.conversationRead } : {}),
  };
}
