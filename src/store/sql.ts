/**
 * The small SQL surface the store logic is written against. SQLite (better-sqlite3) and
 * PostgreSQL (pg) each implement it; the logic in sql-store.ts and apply.ts is shared. SQL uses
 * `?` placeholders and the common subset of both dialects (ON CONFLICT, RETURNING, partial indexes).
 */
export type Param = string | number | null;

export interface SqlRunner {
  all<T = any>(sql: string, params?: Param[]): Promise<T[]>;
  get<T = any>(sql: string, params?: Param[]): Promise<T | undefined>;
  run(sql: string, params?: Param[]): Promise<{ changes: number }>;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Run fn in one transaction; transactions never interleave. `urgent`: a provider is waiting for
   * this commit (storing a webhook): it goes ahead of background work (processing, bots, outbox).
   */
  tx<T>(fn: (tx: SqlRunner) => Promise<T>, opts?: { urgent?: boolean }): Promise<T>;
  /**
   * For statements whose loss in a database crash is harmless (leases, which are re-claimed):
   * committed without waiting for the WAL flush (PostgreSQL synchronous_commit=off), still
   * visible to every other connection at once. Absent where plain statements are as cheap.
   */
  readonly relaxed?: SqlRunner;
  /** Apply migrations not yet applied. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
