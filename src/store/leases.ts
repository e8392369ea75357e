import type { SqlRunner } from './sql';

/**
 * Leases in the database: a named piece of work (a conversation's dispatches `c:<id>`, its outbox
 * `o:<id>`, the `leader` role) belongs to one instance until expires_at. The owner renews while it
 * works and deletes the row when done; an instance that dies simply stops renewing. The upsert
 * only takes a row that is expired or already ours, atomically in both dialects.
 */

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

export async function claimLease(db: SqlRunner, name: string, owner: string, ttlMs: number): Promise<boolean> {
  const res = await db.run(
    `INSERT INTO partition_leases (partition, owner, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (partition) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
     WHERE partition_leases.owner = excluded.owner OR partition_leases.expires_at < ?`,
    [name, owner, inMs(ttlMs), new Date().toISOString()],
  );
  return res.changes > 0;
}

export async function renewLease(db: SqlRunner, name: string, owner: string, ttlMs: number): Promise<boolean> {
  const res = await db.run('UPDATE partition_leases SET expires_at = ? WHERE partition = ? AND owner = ?', [inMs(ttlMs), name, owner]);
  return res.changes > 0;
}

export async function releaseLease(db: SqlRunner, name: string, owner: string): Promise<void> {
  await db.run('DELETE FROM partition_leases WHERE partition = ? AND owner = ?', [name, owner]);
}

export const outboxPartition = (conversationId: number) => `o:${conversationId}`;
