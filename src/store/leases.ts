import { chunks } from './chunks';
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

/**
 * Calls made in one turn of the event loop, run together after it: `flush` gets them all. Lease
 * claims and releases come in bursts (a processed batch offers many conversations at once); one
 * statement for the burst instead of one round trip each.
 */
function perTurn<A, R>(flush: (calls: A[]) => Promise<R[]>): (arg: A) => Promise<R> {
  let waiting: { arg: A; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  return (arg) =>
    new Promise<R>((resolve, reject) => {
      if (waiting.length === 0) {
        setImmediate(() => {
          const calls = waiting;
          waiting = [];
          flush(calls.map((c) => c.arg)).then(
            (results) => calls.forEach((c, i) => c.resolve(results[i]!)),
            (err) => calls.forEach((c) => c.reject(err)),
          );
        });
      }
      waiting.push({ arg, resolve, reject });
    });
}

export function sqlLeases(db: SqlRunner): Leases {
  const claim = perTurn<{ name: string; owner: string; ttlMs: number }, boolean>(async (calls) => {
    const claimed = new Set<string>();
    const key = (name: string, owner: string) => `${owner}\u0000${name}`;
    // A statement may name a lease once (PostgreSQL refuses an upsert that touches a row twice):
    // owners competing for one lease in the same turn go in rounds, first come first.
    const rounds: Map<string, (typeof calls)[number]>[] = [];
    for (const c of calls) {
      let round = rounds.find((r) => !r.has(c.name) || r.get(c.name)!.owner === c.owner);
      if (!round) rounds.push((round = new Map()));
      round.set(c.name, c);
    }
    for (const round of rounds) {
      const now = new Date().toISOString();
      for (const part of chunks([...round.values()])) {
        const won = await db.all<{ partition: string; owner: string }>(
          `INSERT INTO partition_leases (partition, owner, expires_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
           ON CONFLICT (partition) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
           WHERE partition_leases.owner = excluded.owner OR partition_leases.expires_at < ?
           RETURNING partition, owner`,
          [...part.flatMap((c) => [c.name, c.owner, inMs(c.ttlMs)]), now],
        );
        for (const w of won) claimed.add(key(w.partition, w.owner));
      }
    }
    return calls.map((c) => claimed.has(key(c.name, c.owner)));
  });
  const release = perTurn<{ name: string; owner: string }, void>(async (calls) => {
    const byOwner = new Map<string, string[]>();
    for (const c of calls) {
      const names = byOwner.get(c.owner);
      if (names) names.push(c.name);
      else byOwner.set(c.owner, [c.name]);
    }
    for (const [owner, names] of byOwner) {
      for (const part of chunks([...new Set(names)])) {
        await db.run(`DELETE FROM partition_leases WHERE owner = ? AND partition IN (${part.map(() => '?').join(', ')})`, [owner, ...part]);
      }
    }
    return calls.map(() => undefined);
  });
  return {
    claim: (name, owner, ttlMs) => claim({ name, owner, ttlMs }),
    async renew(name, owner, ttlMs) {
      const res = await db.run('UPDATE partition_leases SET expires_at = ? WHERE partition = ? AND owner = ?', [inMs(ttlMs), name, owner]);
      return res.changes > 0;
    },
    release: (name, owner) => release({ name, owner }),
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
