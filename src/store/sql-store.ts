import type { NormalizedEvent } from '../model';
import { applyBatch, newApplyStats } from './apply';
import type { ApplyStats } from './types';
import { chunks } from './chunks';
import { conversationPartition, memoryLeases, sqlLeases, type Leases } from './leases';
import { completeOneReply } from './one-statement';
import { toDelivery, toDispatch } from './rows';
import type { SqlDb, SqlRunner } from './sql';
import { SqlOutbox } from './sql-outbox';
import type { AppendOutcome, AppliedDelivery, CompleteDispatch, Dispatch, NewDelivery, OutboxItem, Store, StoredDelivery } from './types';

const now = () => new Date().toISOString();

/**
 * The Store, written once against SqlDb; SQLite and PostgreSQL differ only in the driver. This
 * file: deliveries, applying, dispatches and leases; the outbox and the reads are its bases.
 */
export class SqlStore extends SqlOutbox implements Store {
  private readonly leases: Leases;

  constructor(db: SqlDb) {
    super(db);
    this.leases = db.dialect === 'sqlite' ? memoryLeases() : sqlLeases(db.relaxed ?? db);
  }

  get dialect() {
    return this.db.dialect;
  }

  migrate() {
    return this.db.migrate();
  }

  close() {
    return this.db.close();
  }

  appendDeliveries(batch: NewDelivery[]): Promise<AppendOutcome[]> {
    return this.db.tx(
      async (tx) => {
        const out: AppendOutcome[] = [];
        const stats = new Map<string, { n: number; dup: number; last: string }>();
        // Many rows per INSERT: one round trip per chunk instead of one per delivery (PostgreSQL).
        // RETURNING names the rows actually inserted; the first of equal keys in a batch wins.
        for (const chunk of chunks(batch)) {
          const rows = await tx.all<{ id: number; provider: string; dedupe_key: string }>(
            `INSERT INTO deliveries (provider, dedupe_key, payload, received_at) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}
           ON CONFLICT (provider, dedupe_key) DO NOTHING RETURNING id, provider, dedupe_key`,
            chunk.flatMap((d) => [d.provider, d.key, JSON.stringify(d.payload), d.receivedAt]),
          );
          const inserted = new Map(rows.map((r) => [`${r.provider}\u0000${r.dedupe_key}`, Number(r.id)]));
          for (const d of chunk) {
            const k = `${d.provider}\u0000${d.key}`;
            const id = inserted.get(k);
            inserted.delete(k);
            const s = stats.get(d.provider) ?? { n: 0, dup: 0, last: d.receivedAt };
            if (id !== undefined) s.n++;
            else s.dup++;
            if (d.receivedAt > s.last) s.last = d.receivedAt;
            stats.set(d.provider, s);
            out.push(id !== undefined ? { id, duplicate: false } : { duplicate: true });
          }
        }
        for (const [provider, s] of stats) {
          await tx.run(
            `INSERT INTO provider_stats (provider, deliveries, duplicates, last_delivery_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (provider) DO UPDATE SET deliveries = provider_stats.deliveries + excluded.deliveries,
             duplicates = provider_stats.duplicates + excluded.duplicates, last_delivery_at = excluded.last_delivery_at`,
            [provider, s.n, s.dup, s.last],
          );
        }
        return out;
      },
      { urgent: true },
    ); // the provider waits for this commit
  }

  async pendingDeliveries(limit: number, afterId: number): Promise<StoredDelivery[]> {
    const rows = await this.db.all(
      "SELECT id, provider, dedupe_key, payload, received_at FROM deliveries WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?",
      [afterId, limit],
    );
    return rows.map(toDelivery);
  }

  applyDeliveries(results: AppliedDelivery[]): Promise<ApplyStats> {
    return this.db.tx(async (tx) => {
      const stats = newApplyStats();
      await this.applyWith(tx, results, stats);
      return stats;
    });
  }

  private async applyWith(tx: SqlRunner, results: AppliedDelivery[], stats: ApplyStats): Promise<void> {
    const ok: { deliveryId: number; events: NormalizedEvent[] }[] = [];
    for (const r of results) {
      if ('error' in r) await tx.run("UPDATE deliveries SET status = 'failed', error = ? WHERE id = ?", [r.error, r.deliveryId]);
      else ok.push(r);
    }
    await applyBatch(tx, ok, stats);
    for (const part of chunks(ok)) {
      const ids = part.map((r) => r.deliveryId);
      await tx.run(`UPDATE deliveries SET status = 'processed' WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
    }
  }

  /**
   * Applying is serialized across instances (an advisory lock on PostgreSQL; SQLite has one
   * writer anyway), so deliveries are applied in the order they were stored whichever instance
   * received them, and two instances never contend row by row over the same batch.
   */
  processDeliveries(limit: number, normalize: (d: StoredDelivery) => AppliedDelivery): Promise<{ count: number; stats: ApplyStats }> {
    return this.db.tx(async (tx) => {
      if (this.db.dialect === 'postgres') await tx.get("SELECT pg_advisory_xact_lock(hashtext('switchboard.process:' || current_schema()))");
      const rows = await tx.all("SELECT id, provider, dedupe_key, payload, received_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT ?", [limit]);
      const stats = newApplyStats();
      await this.applyWith(tx, rows.map(toDelivery).map(normalize), stats);
      return { count: rows.length, stats };
    });
  }

  async pendingPartitions(limit: number, owner?: string): Promise<string[]> {
    if (owner === undefined || this.leases.heldByOther) {
      const rows = await this.db.all("SELECT DISTINCT partition FROM dispatches WHERE status = 'pending' LIMIT ?", [limit]);
      return rows.map((r) => r.partition).filter((p) => owner === undefined || !this.leases.heldByOther!(p, owner));
    }
    // Skip partitions another live instance is running, so a busy peer cannot starve this one.
    const rows = await this.db.all(
      `SELECT DISTINCT d.partition FROM dispatches d
       LEFT JOIN partition_leases l ON l.partition = d.partition AND l.owner <> ? AND l.expires_at >= ?
       WHERE d.status = 'pending' AND l.partition IS NULL LIMIT ?`,
      [owner, now(), limit],
    );
    return rows.map((r) => r.partition);
  }

  claimPartition(partition: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.leases.claim(partition, owner, ttlMs);
  }

  renewPartition(partition: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.leases.renew(partition, owner, ttlMs);
  }

  releasePartition(partition: string, owner: string): Promise<void> {
    return this.leases.release(partition, owner);
  }

  async nextDispatch(partition: string): Promise<Dispatch | undefined> {
    return (await this.nextDispatches(partition, 1))[0];
  }

  async nextDispatches(partition: string, limit: number): Promise<Dispatch[]> {
    const rows = await this.db.all("SELECT * FROM dispatches WHERE partition = ? AND status = 'pending' ORDER BY order_key, id LIMIT ?", [partition, limit]);
    return rows.map(toDispatch);
  }

  async completeDispatch(done: CompleteDispatch): Promise<{ outbox: number; items: OutboxItem[] }> {
    const one = this.db.dialect === 'postgres' ? completeOneReply(done, new Date().toISOString()) : undefined;
    if (one) {
      // One round trip instead of six (one-statement.ts); no row: the dispatch was done already.
      const ids = await this.db.get<{ outbox_id: number; message_id: number }>(one.statement.sql, one.statement.params);
      return ids ? { outbox: 1, items: [one.item(ids)] } : { outbox: 0, items: [] };
    }
    return this.db.tx(async (tx) => {
      const updated = await tx.run("UPDATE dispatches SET status = 'done' WHERE id = ? AND status = 'pending'", [done.dispatchId]);
      if (updated.changes === 0) return { outbox: 0, items: [] }; // completed elsewhere: never enqueue replies twice
      const items: OutboxItem[] = [];
      for (const o of done.outbound) items.push(await this.enqueueOutbound(tx, o));
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

  async failDispatch(id: number, error: string, giveUp: boolean): Promise<void> {
    await this.db.run(`UPDATE dispatches SET attempts = attempts + 1, last_error = ?, status = CASE WHEN ? = 1 THEN 'failed' ELSE status END WHERE id = ?`, [
      error,
      giveUp ? 1 : 0,
      id,
    ]);
  }
}

export { conversationPartition };
