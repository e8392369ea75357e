import type { SqlRunner } from './sql';

/**
 * Leases: a named piece of work (a conversation's dispatches `c:<id>`, its outbox `o:<id>`, the
 * `leader` role) belongs to one owner until it expires. The owner renews while it works and
 * releases when done; an instance that dies simply stops renewing.
 *
 * PostgreSQL keeps them in `partition_leases`, shared by every instance; the upsert only takes a
 * row that is expired or already ours, atomically. SQLite serves a single process, so the same
 * rules are kept in memory: no disk write (and fsync) per claim on the default store.
 */
export interface Leases {
  claim(name: string, owner: string, ttlMs: number): Promise<boolean>;
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
  /** True when another owner holds a live lease on `name` (only for the in-memory table; SQL joins instead). */
  heldByOther?(name: string, owner: string): boolean;
}

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

export function sqlLeases(db: SqlRunner): Leases {
  return {
    async claim(name, owner, ttlMs) {
      const res = await db.run(
        `INSERT INTO partition_leases (partition, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (partition) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE partition_leases.owner = excluded.owner OR partition_leases.expires_at < ?`,
        [name, owner, inMs(ttlMs), new Date().toISOString()],
      );
      return res.changes > 0;
    },
    async renew(name, owner, ttlMs) {
      const res = await db.run('UPDATE partition_leases SET expires_at = ? WHERE partition = ? AND owner = ?', [inMs(ttlMs), name, owner]);
      return res.changes > 0;
    },
    async release(name, owner) {
      await db.run('DELETE FROM partition_leases WHERE partition = ? AND owner = ?', [name, owner]);
    },
  };
}

export function memoryLeases(): Leases {
  const held = new Map<string, { owner: string; expiresAt: number }>();
  const live = (name: string) => {
    const l = held.get(name);
    return l && l.expiresAt > Date.now() ? l : undefined;
  };
  return {
    async claim(name, owner, ttlMs) {
      const l = live(name);
      if (l && l.owner !== owner) return false;
      held.set(name, { owner, expiresAt: Date.now() + ttlMs });
      return true;
    },
    async renew(name, owner, ttlMs) {
      const l = held.get(name);
      if (!l || l.owner !== owner) return false;
      l.expiresAt = Date.now() + ttlMs;
      return true;
    },
    async release(name, owner) {
      if (held.get(name)?.owner === owner) held.delete(name);
    },
    heldByOther(name, owner) {
      const l = live(name);
      return !!l && l.owner !== owner;
    },
  };
}

export const outboxPartition = (conversationId: number) => `o:${conversationId}`;
/** A conversation's dispatch partition: its bot runs, one at a time, in order. */
export const conversationPartition = (conversationId: number) => `c:${conversationId}`;
