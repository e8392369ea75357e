import { chunks } from './chunks';
import { enqueueOutbound } from './outbox';
import type { Leases } from './leases';
import { toDispatch } from './rows';
import type { SqlDb } from './sql';
import type { BotRun, CompleteDispatch, Dispatch, OutboxItem } from './types';

/** Dispatches: the bot runs each applied event asks for, run in order per partition, completed with their replies. */

const now = () => new Date().toISOString();

export async function pendingPartitions(db: SqlDb, leases: Leases, limit: number, owner?: string): Promise<string[]> {
  if (owner === undefined || leases.heldByOther) {
    const rows = await db.all("SELECT DISTINCT partition FROM dispatches WHERE status = 'pending' LIMIT ?", [limit]);
    return rows.map((r) => r.partition).filter((p) => owner === undefined || !leases.heldByOther!(p, owner));
  }
  // Skip partitions another live instance is running, so a busy peer cannot starve this one.
  const rows = await db.all(
    `SELECT DISTINCT d.partition FROM dispatches d
     LEFT JOIN partition_leases l ON l.partition = d.partition AND l.owner <> ? AND l.expires_at >= ?
     WHERE d.status = 'pending' AND l.partition IS NULL LIMIT ?`,
    [owner, now(), limit],
  );
  return rows.map((r) => r.partition);
}

export async function nextDispatches(db: SqlDb, partition: string, limit: number): Promise<Dispatch[]> {
  const rows = await db.all("SELECT * FROM dispatches WHERE partition = ? AND status = 'pending' ORDER BY order_key, id LIMIT ?", [partition, limit]);
  return rows.map(toDispatch);
}

/** The bot runs the given deliveries asked for, whatever their status (a dry-run replay runs them again). */
export async function dispatchesOf(db: SqlDb, deliveryIds: number[]): Promise<Dispatch[]> {
  const out: Dispatch[] = [];
  for (const part of chunks(deliveryIds)) {
    const rows = await db.all(`SELECT * FROM dispatches WHERE delivery_id IN (${part.map(() => '?').join(', ')}) ORDER BY delivery_id, order_key, id`, part);
    out.push(...rows.map(toDispatch));
  }
  return out;
}

export async function completeDispatch(db: SqlDb, done: CompleteDispatch): Promise<{ outbox: number; items: OutboxItem[] }> {
  const one = db.forms?.completeOneReply?.(done, new Date().toISOString());
  if (one) {
    // One round trip instead of six (one-statement.ts); no row: the dispatch was done already.
    const ids = await db.get<{ outbox_id: number; message_id: number }>(one.statement.sql, one.statement.params);
    return ids ? { outbox: 1, items: [one.item(ids)] } : { outbox: 0, items: [] };
  }
  return db.tx(async (tx) => {
    const updated = await tx.run("UPDATE dispatches SET status = 'done', runs = ? WHERE id = ? AND status = 'pending'", [runsJson(done.runs), done.dispatchId]);
    if (updated.changes === 0) return { outbox: 0, items: [] }; // completed elsewhere: never enqueue replies twice
    const items: OutboxItem[] = [];
    for (const o of done.outbound) {
      const item = await enqueueOutbound(tx, o);
      items.push(item);
      if (o.choice) {
        await tx.run(
          `INSERT INTO pending_choices (conversation_id, bot, message_id, options, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (conversation_id, bot) DO UPDATE SET message_id = excluded.message_id, options = excluded.options, expires_at = excluded.expires_at`,
          [item.conversationId, o.choice.bot, item.messageId, JSON.stringify(o.choice.options), o.choice.expiresAt],
        );
      }
    }
    for (const c of done.choicesTaken ?? []) {
      await tx.run('DELETE FROM pending_choices WHERE conversation_id = ? AND bot = ?', [c.conversationId, c.bot]);
    }
    for (const s of done.state ?? []) {
      await tx.run(
        'INSERT INTO bot_state (conversation_id, bot, state) VALUES (?, ?, ?) ON CONFLICT (conversation_id, bot) DO UPDATE SET state = excluded.state',
        [s.conversationId, s.bot, JSON.stringify(s.value ?? null)],
      );
    }
    for (const c of done.conversationStatus ?? []) {
      await tx.run('UPDATE conversations SET status = ? WHERE id = ?', [c.status, c.conversationId]);
    }
    return { outbox: items.length, items };
  });
}

/** `runs`: what the bots did when it was their replies' commit that failed (kept when absent). */
export async function failDispatch(db: SqlDb, id: number, error: string, giveUp: boolean, runs?: BotRun[]): Promise<void> {
  await db.run(
    `UPDATE dispatches SET attempts = attempts + 1, last_error = ?, runs = COALESCE(?, runs), status = CASE WHEN ? = 1 THEN 'failed' ELSE status END WHERE id = ?`,
    [error, runsJson(runs), giveUp ? 1 : 0, id],
  );
}

export function runsJson(runs: BotRun[] | undefined): string | null {
  return runs ? JSON.stringify(runs) : null;
}
