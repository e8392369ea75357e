import { ATTEMPT_LOG_CAP, attemptJson } from '../attempt-log';
import { enqueuedItem, replyMessage } from '../replies';
import type { Param, Statement } from '../sql';
import type { CompleteDispatch, NewOutbound, OutboxItem } from '../types';

/**
 * PostgreSQL forms of the two commits every reply makes, each one statement (data-modifying WITH
 * clauses) instead of a transaction of four to six: every statement is a round trip to the
 * server, and a reply made many of them. One statement is atomic on its
 * own. Only the common shapes have one; the rest (and SQLite, where a statement costs
 * microseconds, not a round trip) take the transaction in dispatches.ts / outbox.ts, which
 * writes the same rows.
 */

/** The shape with a one-statement form: one reply into a conversation known by id and provider, no status change. */
function oneReply(done: CompleteDispatch): (NewOutbound & { conversation: { id: number }; provider: string }) | undefined {
  if (done.outbound.length !== 1 || (done.conversationStatus?.length ?? 0) > 0 || (done.choicesTaken?.length ?? 0) > 0) return undefined;
  const o = done.outbound[0]!;
  if (o.choice) return undefined;
  if (!('id' in o.conversation) || !o.provider) return undefined;
  return o as NewOutbound & { conversation: { id: number }; provider: string };
}

/**
 * completeDispatch for one reply: mark the dispatch done and, only if that changed it (never enqueue
 * twice), insert the reply's message and outbox rows, move the conversation's last_message_at, and
 * save the bots' state. Returns no row when the dispatch was already done.
 */
export function completeOneReply(
  done: CompleteDispatch,
  at: string,
): { statement: Statement; item: (ids: { outbox_id: number; message_id: number }) => OutboxItem } | undefined {
  const o = oneReply(done);
  if (!o) return undefined;
  const cid = o.conversation.id;
  const params: Param[] = [done.runs ? JSON.stringify(done.runs) : null, done.dispatchId];
  const states = (done.state ?? []).map((s, i) => {
    params.push(s.conversationId, s.bot, JSON.stringify(s.value ?? null));
    return `, s${i} AS (INSERT INTO bot_state (conversation_id, bot, state) SELECT ?, ?, ? FROM d
       ON CONFLICT (conversation_id, bot) DO UPDATE SET state = excluded.state)`;
  });
  const row = replyMessage(o, cid, o.provider, at, {
    sql: 'COALESCE(CAST(? AS DOUBLE PRECISION), (SELECT MAX(order_key) FROM messages WHERE conversation_id = ?), 0)',
    params: [o.afterOrderKey ?? null, cid],
  });
  params.push(...row.params, cid, o.provider, JSON.stringify(o.message), at, at, at, cid);
  const sql = `WITH d AS (UPDATE dispatches SET status = 'done', runs = ? WHERE id = ? AND status = 'pending' RETURNING id)${states.join('')},
    m AS (INSERT INTO messages ${row.columns} SELECT ${row.sql} FROM d RETURNING id),
    o AS (INSERT INTO outbox (conversation_id, provider, message_id, body, next_attempt_at, created_at) SELECT ?, ?, m.id, ?, ?, ? FROM m RETURNING id, message_id),
    c AS (UPDATE conversations SET last_message_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM d))
    SELECT o.id AS outbox_id, o.message_id AS message_id FROM o`;
  return {
    statement: { sql, params },
    item: (ids) => enqueuedItem(o, { id: Number(ids.outbox_id), messageId: Number(ids.message_id) }, cid, o.provider, at),
  };
}

/**
 * outboxMarkSent in one statement: the item sent and its message given the provider's id and the
 * status `sent`, both or neither. It changes nothing (and returns no row) when the item is not
 * there, or when a message of that provider already has that id (the provider echoed our reply by
 * webhook first): the transaction then folds the echo in.
 */
export function markSentAtOnce(id: number, result: { externalId?: string; orderKey?: number; at: string }): Statement {
  const log = appendCapped('attempt_log', ATTEMPT_LOG_CAP);
  const attempt = attemptJson({ at: result.at, outcome: 'sent', ...(result.externalId === undefined ? {} : { externalId: result.externalId }) });
  if (result.externalId === undefined) {
    return {
      sql: `WITH o AS (UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, attempt_log = ${log} WHERE id = ? RETURNING message_id)
            UPDATE messages SET status = 'sent', sent_at = ? FROM o WHERE messages.id = o.message_id RETURNING messages.id`,
      params: [result.at, attempt, id, result.at],
    };
  }
  return {
    sql: `WITH o AS (UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, attempt_log = ${log} WHERE id = ?
                       AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.provider = outbox.provider AND e.external_id = ? AND e.id <> outbox.message_id)
                     RETURNING message_id)
          UPDATE messages SET external_id = ?, status = 'sent', sent_at = ?, order_key = COALESCE(CAST(? AS DOUBLE PRECISION), order_key)
          FROM o WHERE messages.id = o.message_id RETURNING messages.id`,
    params: [result.at, attempt, id, result.externalId, result.externalId, result.at, result.orderKey ?? null],
  };
}

/** The JSON array in text column `column` with the `?` parameter's JSON appended, the last `cap` kept (jsonb's `- 0` drops the first). */
export function appendCapped(column: string, cap: number): string {
  const a = `CAST(COALESCE(${column}, '[]') AS jsonb)`;
  return `CAST((CASE WHEN jsonb_array_length(${a}) >= ${cap} THEN ${a} - 0 ELSE ${a} END) || jsonb_build_array(CAST(? AS jsonb)) AS TEXT)`;
}
