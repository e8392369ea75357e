import type { NormalizedEvent } from '../model';
import { applyBatch, newApplyStats } from './apply';
import { chunks } from './chunks';
import { toDelivery } from './rows';
import type { SqlDb, SqlRunner } from './sql';
import type { AppendOutcome, AppliedDelivery, ApplyStats, NewDelivery, StoredDelivery } from './types';

/** Deliveries: stored raw as received (the webhook's commit), then normalized and applied in stored order. */

export function appendDeliveries(db: SqlDb, batch: NewDelivery[]): Promise<AppendOutcome[]> {
  return db.tx(
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

export async function pendingDeliveries(db: SqlDb, limit: number, afterId: number): Promise<StoredDelivery[]> {
  const rows = await db.all("SELECT id, provider, dedupe_key, payload, received_at FROM deliveries WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?", [
    afterId,
    limit,
  ]);
  return rows.map(toDelivery);
}

export function applyDeliveries(db: SqlDb, results: AppliedDelivery[]): Promise<ApplyStats> {
  return db.tx(async (tx) => {
    const stats = newApplyStats();
    await applyWith(tx, results, stats);
    return stats;
  });
}

async function applyWith(tx: SqlRunner, results: AppliedDelivery[], stats: ApplyStats): Promise<void> {
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
export function processDeliveries(db: SqlDb, limit: number, normalize: (d: StoredDelivery) => AppliedDelivery): Promise<{ count: number; stats: ApplyStats }> {
  return db.tx(async (tx) => {
    await db.forms?.serializeApply?.(tx);
    const rows = await tx.all("SELECT id, provider, dedupe_key, payload, received_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT ?", [limit]);
    const stats = newApplyStats();
    await applyWith(tx, rows.map(toDelivery).map(normalize), stats);
    return { count: rows.length, stats };
  });
}
