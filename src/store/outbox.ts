import { upsertConversation } from './apply';
import { appendAttemptSql, attemptJson } from './attempt-log';
import { enqueuedItem, replyMessage } from './replies';
import { toOutbox } from './rows';
import { sentReplyIds } from './sent-replies';
import type { SqlDb, SqlRunner } from './sql';
import type { NewOutbound, OutboxItem } from './types';

/** The outbox: replies enqueued with their dispatch, claimed, sent, retried, dead-lettered. */

const now = () => new Date().toISOString();

export async function enqueueOutbound(tx: SqlRunner, o: NewOutbound): Promise<OutboxItem> {
  const at = now();
  const conversationId = 'id' in o.conversation ? o.conversation.id : await upsertConversation(tx, o.conversation);
  const conv =
    'id' in o.conversation && o.provider
      ? { provider: o.provider }
      : await tx.get<{ provider: string }>('SELECT provider FROM conversations WHERE id = ?', [conversationId]);
  if (!conv) throw new Error(`conversation ${conversationId} does not exist`); // (given a provider, the foreign key says so)
  let orderKey = o.afterOrderKey;
  if (orderKey === undefined) {
    const max = await tx.get<{ k: number | null }>('SELECT MAX(order_key) AS k FROM messages WHERE conversation_id = ?', [conversationId]);
    orderKey = Number(max?.k ?? 0);
  }
  const row = replyMessage(o, conversationId, conv.provider, at, { sql: '?', params: [orderKey] });
  const msg = await tx.get<{ id: number }>(`INSERT INTO messages ${row.columns} VALUES (${row.sql}) RETURNING id`, row.params);
  const item = await tx.get<{ id: number }>(
    'INSERT INTO outbox (conversation_id, provider, message_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    [conversationId, conv.provider, Number(msg!.id), JSON.stringify(o.message), at, at],
  );
  await tx.run('UPDATE conversations SET last_message_at = ? WHERE id = ?', [at, conversationId]);
  return enqueuedItem(o, { id: Number(item!.id), messageId: Number(msg!.id) }, conversationId, conv.provider, at);
}

export async function dueOutbox(db: SqlDb, at: string, limit: number): Promise<OutboxItem[]> {
  // Only the head of each conversation's queue: a later reply never overtakes one waiting for a retry.
  const rows = await db.all(
    `SELECT * FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= ?
       AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation_id = o.conversation_id AND p.status IN ('pending', 'sending') AND p.id < o.id)
     ORDER BY o.id LIMIT ?`,
    [at, limit],
  );
  return rows.map(toOutbox);
}

export async function dueOutboxOf(db: SqlDb, conversationId: number, at: string, limit: number): Promise<OutboxItem[]> {
  const rows = await db.all(`SELECT * FROM outbox WHERE conversation_id = ? AND status IN ('pending', 'sending') ORDER BY id LIMIT ?`, [conversationId, limit]);
  const due: OutboxItem[] = [];
  for (const item of rows.map(toOutbox)) {
    if (item.status !== 'pending' || item.nextAttemptAt > at) break; // order: nothing overtakes it
    due.push(item);
  }
  return due;
}

export async function nextOutboxAt(db: SqlDb, after?: string): Promise<string | undefined> {
  const r =
    after === undefined
      ? await db.get<{ at: string | null }>("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'pending'")
      : await db.get<{ at: string | null }>("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'pending' AND next_attempt_at > ?", [after]);
  return r?.at ?? undefined;
}

/**
 * Sends a stop interrupted: they may or may not have reached the provider (the outbox asks it).
 * Not this instance's own sends, and only rows whose owner no longer holds the conversation's
 * outbox lease (it died): another live instance's send is not interrupted. On SQLite a single
 * process keeps its leases in memory, the table holds none, so every other owner's `sending` row
 * is from a stopped one.
 */
export async function outboxInterrupted(db: SqlDb, owner = ''): Promise<OutboxItem[]> {
  const rows = await db.all(
    `SELECT o.* FROM outbox o WHERE o.status = 'sending' AND (o.claimed_by IS NULL OR o.claimed_by <> ?)
       AND NOT EXISTS (SELECT 1 FROM partition_leases l WHERE l.partition = 'o:' || o.conversation_id AND l.owner = o.claimed_by AND l.expires_at >= ?)
     ORDER BY o.id`,
    [owner, now()],
  );
  return rows.map(toOutbox);
}

export async function outboxItem(db: SqlDb, id: number): Promise<OutboxItem | undefined> {
  const row = await db.get('SELECT * FROM outbox WHERE id = ?', [id]);
  return row ? toOutbox(row) : undefined;
}

/**
 * Claims a pending item for one send; false when it is no longer pending (another instance took
 * it) or an earlier reply of its conversation is still unsent (replies go out in order, however
 * the item reached the sender). next_attempt_at becomes the attempt time, so recovery knows since
 * when to look for it.
 */
export async function outboxMarkSending(db: SqlDb, id: number, owner = '', ref: string | null = null): Promise<boolean> {
  // known_order_key in the same statement: the highest id known before the request goes out (an index lookup).
  const res = await db.run(
    `UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = ?, next_attempt_at = ?, send_ref = ?,
       known_order_key = (SELECT MAX(m.order_key) FROM messages m WHERE m.conversation_id = outbox.conversation_id)
     WHERE id = ? AND status = 'pending'
       AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation_id = outbox.conversation_id AND p.status IN ('pending', 'sending') AND p.id < outbox.id)`,
    [owner, now(), ref, id],
  );
  return res.changes > 0;
}

export async function outboxMarkSent(db: SqlDb, id: number, result: { externalId?: string; orderKey?: number; at: string }): Promise<void> {
  const s = db.forms?.markSentAtOnce?.(id, result);
  if (s) {
    // One round trip instead of five (postgres/one-statement.ts); no row: an echo to fold in, or no such item.
    try {
      if (await db.get(s.sql, s.params)) return;
    } catch (err) {
      // The echo was being stored as the statement ran (a unique violation on the provider's id):
      // the transaction below, started after it committed, folds it in.
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }
  const attempt = attemptJson({ at: result.at, outcome: 'sent', ...(result.externalId === undefined ? {} : { externalId: result.externalId }) });
  return db.tx(async (tx) => {
    const item = await tx.get<{ message_id: number; provider: string }>(
      `UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, ${appendAttemptSql(db)} WHERE id = ? RETURNING message_id, provider`,
      [result.at, attempt, id],
    );
    if (!item) return;
    if (result.externalId !== undefined) {
      // The provider may have echoed our own message by webhook before its API answered: fold the echo in.
      const echo = await tx.get<{ id: number; status: string }>('SELECT id, status FROM messages WHERE provider = ? AND external_id = ? AND id <> ?', [
        item.provider,
        result.externalId,
        item.message_id,
      ]);
      if (echo) await tx.run('DELETE FROM messages WHERE id = ?', [echo.id]);
      const status = echo && echo.status !== 'received' && echo.status !== 'pending' ? echo.status : 'sent';
      await tx.run('UPDATE messages SET external_id = ?, status = ?, sent_at = ?, order_key = COALESCE(?, order_key) WHERE id = ?', [
        result.externalId,
        status,
        result.at,
        result.orderKey ?? null,
        item.message_id,
      ]);
    } else {
      await tx.run("UPDATE messages SET status = 'sent', sent_at = ? WHERE id = ?", [result.at, item.message_id]);
    }
  });
}

export async function outboxMarkRetry(db: SqlDb, id: number, error: string, nextAttemptAt: string): Promise<void> {
  const attempt = attemptJson({ at: now(), outcome: 'retry', error });
  await db.run(`UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?, ${appendAttemptSql(db)} WHERE id = ?`, [
    error,
    nextAttemptAt,
    attempt,
    id,
  ]);
}

export function outboxMarkDead(db: SqlDb, id: number, error: string, maybeDelivered = false): Promise<void> {
  const attempt = attemptJson({ at: now(), outcome: 'dead', error });
  return db.tx(async (tx) => {
    await tx.run(`UPDATE outbox SET status = 'dead', last_error = ?, maybe_delivered = ?, ${appendAttemptSql(db)} WHERE id = ?`, [
      error,
      maybeDelivered ? 1 : 0,
      attempt,
      id,
    ]);
    await tx.run("UPDATE messages SET status = 'failed' WHERE id = (SELECT message_id FROM outbox WHERE id = ?)", [id]);
  });
}

export function outboxRequeueDead(db: SqlDb, ids?: number[]): Promise<number> {
  return db.tx(async (tx) => {
    const rows = await tx.all<{ id: number; message_id: number }>("SELECT id, message_id FROM outbox WHERE status = 'dead'");
    const chosen = ids ? rows.filter((r) => ids.includes(Number(r.id))) : rows;
    for (const r of chosen) {
      await tx.run("UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = NULL, maybe_delivered = 0 WHERE id = ?", [now(), r.id]);
      await tx.run("UPDATE messages SET status = 'pending' WHERE id = ?", [r.message_id]);
    }
    return chosen.length;
  });
}

export function outboxSentIds(db: SqlDb, conversationId: number, afterOrderKey: number): Promise<string[]> {
  return sentReplyIds(db, conversationId, afterOrderKey);
}

export async function listDeadLetters(db: SqlDb): Promise<OutboxItem[]> {
  return (await db.all("SELECT * FROM outbox WHERE status = 'dead' ORDER BY id")).map(toOutbox);
}
