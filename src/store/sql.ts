import type { CompleteDispatch, OutboxItem } from './types';

/**
 * The small SQL surface the store logic is written against. SQLite (better-sqlite3) and
 * PostgreSQL (pg) each implement it; the store's operations (deliveries.ts, apply.ts, dispatches.ts,
 * outbox.ts, reads.ts, leases.ts) are written once against it. SQL uses
 * `?` placeholders and the common subset of both dialects (ON CONFLICT, RETURNING, partial indexes).
 */
export type Param = string | number | null;

/** SQL with its parameters. */
export interface Statement {
  sql: string;
  params: Param[];
}

export interface SqlRunner {
  all<T = any>(sql: string, params?: Param[]): Promise<T[]>;
  get<T = any>(sql: string, params?: Param[]): Promise<T | undefined>;
  run(sql: string, params?: Param[]): Promise<{ changes: number }>;
}

/**
 * Statement forms one dialect has and the other does without, offered as capabilities so the
 * shared store code asks for a form, never for a dialect (PostgreSQL's are in postgres/forms.ts).
 */
export interface DialectForms {
  /** Serialize applying across the processes sharing the database; absent where there is one writer anyway. */
  serializeApply?(tx: SqlRunner): Promise<void>;
  /** A bot run with one reply committed in one statement; undefined for other shapes (the transaction takes those). */
  completeOneReply?(
    done: CompleteDispatch,
    at: string,
  ): { statement: Statement; item: (ids: { outbox_id: number; message_id: number }) => OutboxItem } | undefined;
  /** A reply marked sent in one statement; no row back means: fall back to the transaction (an echo to fold in). */
  markSentAtOnce?(id: number, result: { externalId?: string; orderKey?: number; at: string }): Statement;
  /**
   * An expression: the JSON array in text column `column` with the JSON text of one `?` parameter
   * appended, keeping the last `cap` elements. Absent: SQLite's JSON1 form (attempt-log.ts).
   */
  appendCapped?(column: string, cap: number): string;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /** Several processes may share this database (leases matter). */
  readonly shared: boolean;
  readonly forms?: DialectForms;
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
