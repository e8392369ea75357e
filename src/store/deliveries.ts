import type { NormalizedEvent } from '../model';
import { applyBatch, newApplyStats } from './apply';
import { chunks } from './chunks';
import { toDelivery } from './rows';
import type { SqlDb, SqlRunner } from './sql';
import type {
  AppendOutcome,
  AppliedDelivery,
  ApplyStats,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStatus,
  DeliverySummary,
  NewDelivery,
  NewRequest,
  ReplayOutcome,
  StoredDelivery,
} from './types';

const now = () => new Date().toISOString();

/** Deliveries: stored raw as received (the webhook's commit), then normalized and applied in stored order. */

export function appendDeliveries(db: SqlDb, batch: NewDelivery[], requests: NewRequest[] = []): Promise<AppendOutcome[]> {
  return db.tx(
    async (tx) => {
      const out: AppendOutcome[] = [];
      const used = new Set<string>();
      const stats = new Map<string, { n: number; dup: number; last: string }>();
      // Many rows per INSERT: one round trip per chunk instead of one per delivery (PostgreSQL).
      // RETURNING names the rows actually inserted; the first of equal keys in a batch wins.
      for (const chunk of chunks(batch)) {
        const rows = await tx.all<{ id: number; provider: string; dedupe_key: string }>(
          `INSERT INTO deliveries (provider, dedupe_key, payload, received_at, request_key, recovered) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (provider, dedupe_key) DO NOTHING RETURNING id, provider, dedupe_key`,
          chunk.flatMap((d) => [d.provider, d.key, JSON.stringify(d.payload), d.receivedAt, d.requestKey ?? null, d.recovered ? 1 : 0]),
        );
        const inserted = new Map(rows.map((r) => [`${r.provider}\u0000${r.dedupe_key}`, Number(r.id)]));
        for (const d of chunk) {
          const k = `${d.provider}\u0000${d.key}`;
          const id = inserted.get(k);
          inserted.delete(k);
          const s = stats.get(d.provider) ?? { n: 0, dup: 0, last: d.receivedAt };
          if (id !== undefined) {
            s.n++;
            if (d.requestKey) used.add(d.requestKey);
          } else s.dup++;
          if (d.receivedAt > s.last) s.last = d.receivedAt;
          stats.set(d.provider, s);
          out.push(id !== undefined ? { id, duplicate: false } : { duplicate: true });
        }
      }
      if (requests.length > 0) await insertRequests(tx, requests, used);
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
  const rows = await db.all(
    "SELECT id, provider, dedupe_key, payload, received_at, recovered FROM deliveries WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?",
    [afterId, limit],
  );
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
    if ('error' in r) await tx.run("UPDATE deliveries SET status = 'quarantined', error = ? WHERE id = ?", [r.error, r.deliveryId]);
    else ok.push(r);
  }
  await applyBatch(tx, ok, stats);
  for (const part of chunks(ok)) {
    const ids = part.map((r) => r.deliveryId);
    await tx.run(`UPDATE deliveries SET status = 'processed', error = NULL WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
  }
  await addRecovered(tx, stats.recovered);
  stats.recovered?.clear();
}

/**
 * Applying is serialized across instances (an advisory lock on PostgreSQL; SQLite has one
 * writer anyway), so deliveries are applied in the order they were stored whichever instance
 * received them, and two instances never contend row by row over the same batch.
 */
export function processDeliveries(db: SqlDb, limit: number, normalize: (d: StoredDelivery) => AppliedDelivery): Promise<{ count: number; stats: ApplyStats }> {
  return db.tx(async (tx) => {
    await db.forms?.serializeApply?.(tx);
    const rows = await tx.all("SELECT id, provider, dedupe_key, payload, received_at, recovered FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT ?", [
      limit,
    ]);
    const stats = newApplyStats();
    await applyWith(tx, rows.map(toDelivery).map(normalize), stats);
    return { count: rows.length, stats };
  });
}

/**
 * Replay: the deliveries normalized again and applied one by one, under the same lock as
 * processing and through the same dedupe, so what was applied before changes nothing and a
 * quarantined delivery the running code reads becomes its events once.
 */
export function replayDeliveries(
  db: SqlDb,
  ids: number[],
  normalize: (d: StoredDelivery) => AppliedDelivery,
): Promise<{ outcomes: ReplayOutcome[]; stats: ApplyStats }> {
  return db.tx(async (tx) => {
    await db.forms?.serializeApply?.(tx);
    const all = newApplyStats();
    const outcomes: ReplayOutcome[] = [];
    for (const part of chunks(ids)) {
      const rows = await tx.all(
        `SELECT id, provider, dedupe_key, payload, received_at, recovered, status, pruned_at FROM deliveries WHERE id IN (${part.map(() => '?').join(', ')}) ORDER BY id`,
        part,
      );
      for (const row of rows) {
        const before = row.status as DeliveryStatus;
        const base = { id: Number(row.id), provider: row.provider as string, before };
        if (row.pruned_at) {
          outcomes.push({ ...base, status: before, reason: null, events: 0, dispatches: 0, pruned: true });
          continue;
        }
        const result = normalize(toDelivery(row));
        const stats = newApplyStats();
        await applyWith(tx, [result], stats);
        for (const p of stats.partitions) all.partitions.add(p);
        all.unknownStatuses.push(...stats.unknownStatuses);
        all.dispatches += stats.dispatches;
        outcomes.push(
          'error' in result
            ? { ...base, status: 'quarantined', reason: result.error, events: 0, dispatches: 0 }
            : { ...base, status: 'processed', reason: null, events: result.events.length, dispatches: stats.dispatches },
        );
      }
    }
    return { outcomes, stats: all };
  });
}

/**
 * The delivery log's store operations, shared by both dialects: raw request bodies, listing and
 * reading deliveries, discarding, retention, and the rejected count.
 */

const SUMMARY = 'id, provider, dedupe_key, status, received_at, error, recovered, pruned_at';

function toSummary(r: any): DeliverySummary {
  return {
    id: Number(r.id),
    provider: r.provider,
    key: r.dedupe_key,
    status: r.status as DeliveryStatus,
    receivedAt: r.received_at,
    reason: r.status === 'quarantined' || r.status === 'discarded' ? (r.error ?? null) : null,
    recovered: Number(r.recovered) === 1,
    prunedAt: r.pruned_at ?? null,
  };
}

/** The raw bodies of the requests at least one new delivery came in (a retry's body is not kept twice). */
export async function insertRequests(tx: SqlRunner, requests: NewRequest[], used: Set<string>): Promise<void> {
  const kept = requests.filter((r) => used.has(r.key));
  for (const part of chunks(kept)) {
    await tx.run(
      `INSERT INTO delivery_requests (key, provider, content_type, headers, body, received_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (key) DO NOTHING`,
      part.flatMap((r) => [r.key, r.provider, r.contentType || null, JSON.stringify(r.headers), r.body, r.receivedAt]),
    );
  }
}

export async function listDeliveries(db: SqlDb, f: DeliveryFilter): Promise<DeliverySummary[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.provider) where.push('provider = ?') && params.push(f.provider);
  if (f.status) where.push('status = ?') && params.push(f.status);
  if (f.since) where.push('received_at >= ?') && params.push(f.since);
  if (f.beforeId !== undefined) where.push('id < ?') && params.push(f.beforeId);
  params.push(f.limit);
  const rows = await db.all(`SELECT ${SUMMARY} FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, params);
  return rows.map(toSummary);
}

export async function getDelivery(db: SqlDb, id: number): Promise<DeliveryRecord | undefined> {
  const r = await db.get(
    `SELECT d.id, d.provider, d.dedupe_key, d.status, d.received_at, d.error, d.recovered, d.pruned_at, d.payload,
            q.key AS q_key, q.content_type AS q_content_type, q.headers AS q_headers, q.body AS q_body
     FROM deliveries d LEFT JOIN delivery_requests q ON q.key = d.request_key WHERE d.id = ?`,
    [id],
  );
  if (!r) return undefined;
  return {
    ...toSummary(r),
    payload: r.pruned_at ? null : JSON.parse(r.payload),
    request: r.q_key == null ? null : { contentType: r.q_content_type ?? null, headers: JSON.parse(r.q_headers), body: r.q_body },
  };
}

/**
 * The raw bodies nothing needs any more: every delivery of the request pruned or discarded (a
 * quarantined or pending one keeps the body it came in).
 */
async function dropRequests(tx: SqlRunner, keys: string[]): Promise<void> {
  for (const part of chunks([...new Set(keys)])) {
    await tx.run(
      `DELETE FROM delivery_requests WHERE key IN (${part.map(() => '?').join(', ')})
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.request_key = delivery_requests.key AND d.pruned_at IS NULL)`,
      part,
    );
  }
}

/** Quarantined or pending deliveries given up on: status discarded, payload dropped; the row stays so a retry is still a duplicate. */
export function discardDeliveries(db: SqlDb, ids: number[]): Promise<number> {
  return db.tx(async (tx) => {
    let n = 0;
    const keys: string[] = [];
    for (const part of chunks(ids)) {
      const marks = part.map(() => '?').join(', ');
      const rows = await tx.all<{ request_key: string | null }>(
        `UPDATE deliveries SET status = 'discarded', payload = 'null', pruned_at = ? WHERE id IN (${marks}) AND status IN ('quarantined', 'pending')
         RETURNING request_key`,
        [now(), ...part],
      );
      n += rows.length;
      for (const r of rows) if (r.request_key) keys.push(r.request_key);
    }
    await dropRequests(tx, keys);
    return n;
  });
}

/**
 * One small batch of retention: the oldest processed deliveries received before `before` lose
 * their payload and raw body. Small batches keep each transaction short, so webhooks waiting for
 * their commit are never held up behind a long one.
 */
export function pruneDeliveries(db: SqlDb, before: string, limit: number): Promise<number> {
  return db.tx(async (tx) => {
    const rows = await tx.all<{ id: number; request_key: string | null }>(
      `SELECT id, request_key FROM deliveries WHERE status = 'processed' AND pruned_at IS NULL AND received_at < ? ORDER BY received_at LIMIT ?`,
      [before, limit],
    );
    if (rows.length === 0) return 0;
    const at = now();
    for (const part of chunks(rows)) {
      await tx.run(`UPDATE deliveries SET payload = 'null', pruned_at = ? WHERE id IN (${part.map(() => '?').join(', ')})`, [
        at,
        ...part.map((r) => Number(r.id)),
      ]);
    }
    await dropRequests(
      tx,
      rows.flatMap((r) => (r.request_key ? [r.request_key] : [])),
    );
    return rows.length;
  });
}

export async function countRejected(db: SqlDb, provider: string): Promise<void> {
  await db.run('INSERT INTO provider_stats (provider, rejected) VALUES (?, 1) ON CONFLICT (provider) DO UPDATE SET rejected = provider_stats.rejected + 1', [
    provider,
  ]);
}

/** Per provider: deliveries quarantined now (read through their partial index). */
export async function quarantinedCounts(db: SqlDb): Promise<{ provider: string; n: number }[]> {
  const rows = await db.all("SELECT provider, COUNT(*) AS n FROM deliveries WHERE status = 'quarantined' GROUP BY provider");
  return rows.map((r) => ({ provider: r.provider, n: Number(r.n) }));
}

/** Messages a catch-up poller stored, added to the provider's count in the applying transaction. */
export async function addRecovered(tx: SqlRunner, recovered: Map<string, number> | undefined): Promise<void> {
  for (const [provider, n] of recovered ?? []) {
    await tx.run(
      'INSERT INTO provider_stats (provider, recovered) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET recovered = provider_stats.recovered + excluded.recovered',
      [provider, n],
    );
  }
}
