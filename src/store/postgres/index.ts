import pg from 'pg';
import { loadMigrations } from '../migrate';
import type { Param, SqlDb, SqlRunner } from '../sql';
import { sqlLeases } from '../leases';
import { SqlStore } from '../sql-store';
import { postgresForms } from './forms';
import { storageProblem } from '../write-health';

/**
 * PostgreSQL through pg. Every transaction runs on its own pooled client, so transactions never
 * interleave on one connection; concurrent ones (also from other instances) are isolated by
 * PostgreSQL itself. The shared store logic writes `?` placeholders; they become $1…$n here.
 */

const INT8_OID = 20;

/** BIGINT / COUNT(*) arrive as strings by default; our ids and counts fit a JS number. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const converted = new Map<string, string>();

/** `?` → `$n`, leaving quoted literals and identifiers alone. */
export function toPgPlaceholders(sql: string): string {
  let out = converted.get(sql);
  if (out !== undefined) return out;
  out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  converted.set(sql, out);
  return out;
}

/** Deadlocks and serialization failures: the whole transaction is safe to run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Named prepared statements: PostgreSQL parses and plans each distinct statement once per
 * connection instead of on every call (the store issues the same few dozen statements).
 */
const statementNames = new Map<string, string>();
function prepared(sql: string, values: Param[]): pg.QueryConfig<Param[]> {
  const text = toPgPlaceholders(sql);
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `sb${statementNames.size}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

function runnerOf(q: pg.Pool | pg.PoolClient): SqlRunner {
  const query = (sql: string, params: Param[] = []) => q.query(prepared(sql, params));
  return {
    all: async (sql, params) => (await query(sql, params)).rows,
    get: async (sql, params) => (await query(sql, params)).rows[0],
    run: async (sql, params) => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
  };
}

class PgDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  readonly shared = true;
  readonly forms = postgresForms;
  private readonly runner: SqlRunner;
  readonly relaxed: SqlRunner;

  constructor(
    readonly pool: pg.Pool,
    private readonly relaxedPool: pg.Pool,
    /** Connections only urgent transactions (storing webhooks) use, so they never queue behind bots. */
    private readonly urgentPool: pg.Pool,
    private readonly migrateOptions: pg.ClientConfig,
  ) {
    this.runner = runnerOf(pool);
    this.relaxed = runnerOf(relaxedPool);
  }

  all: SqlRunner['all'] = (sql, params) => this.runner.all(sql, params);
  get: SqlRunner['get'] = (sql, params) => this.runner.get(sql, params);
  run: SqlRunner['run'] = (sql, params) => this.runner.run(sql, params);

  async tx<T>(fn: (tx: SqlRunner) => Promise<T>, opts?: { urgent?: boolean }): Promise<T> {
    const pool = opts?.urgent ? this.urgentPool : this.pool;
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no listener of the pool's: a connection lost between two of the
      // transaction's statements would be an unhandled 'error' event, which ends the process.
      const lost = (err: Error) => {
        broken = err;
      };
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        const value = await fn(runnerOf(client));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        // A connection that failed or timed out is closed instead (the server rolls back what it
        // had); a ROLLBACK on it would only wait out another deadline.
        if (!broken && storageProblem(err) !== undefined) broken = err as Error;
        if (!broken) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackErr) {
            broken = rollbackErr as Error; // the connection is gone: do not return it to the pool
          }
        }
        const code = (err as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= 8) throw err;
      } finally {
        client.off('error', lost);
        client.release(broken);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }

  /**
   * Several instances may start at once: an advisory lock (per schema) lets one apply the
   * migrations while the others wait, then find them applied.
   */
  async migrate(): Promise<void> {
    // Its own connection without the query deadlines: waiting for another instance's migrations,
    // or one long migration, is expected here.
    const client = new pg.Client({ ...this.migrateOptions, types });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query("SELECT pg_advisory_lock(hashtext('switchboard.migrate:' || current_schema()))");
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
        const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
        for (const m of loadMigrations('postgres')) {
          if (applied.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(m.sql);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK');
            throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
          }
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('switchboard.migrate:' || current_schema()))");
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.relaxedPool.end(), this.urgentPool.end()]);
  }
}

export interface PgOptions {
  /** Most connections this process opens for its work (default 20; plus 2 for webhooks and 2 for leases). */
  max?: number;
  /**
   * Longest wait for a connection, and for one statement (server-side statement_timeout and the
   * same deadline client-side, which also ends a wait on a database that stopped answering
   * without closing the connection). Default 3000 ms (STORE_TIMEOUT_MS).
   */
  timeoutMs?: number;
}

/** What every pooled connection shares: deadlines, TCP keep-alive, BIGINT as numbers. */
function poolConfig(connectionString: string, max: number, timeoutMs: number): pg.PoolConfig {
  return {
    connectionString,
    max,
    types,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 500,
    keepAlive: true,
  };
}

/** Add a server setting to the URL's `options` (kept alongside e.g. -csearch_path=…). */
function withStartupOption(connectionString: string, option: string): string {
  try {
    const u = new URL(connectionString);
    const existing = u.searchParams.get('options');
    u.searchParams.set('options', existing ? `${existing} ${option}` : option);
    return u.toString();
  } catch {
    return connectionString; // an unusual URL: plain durable commits, only slower
  }
}

export function openPgDb(connectionString: string, opts: PgOptions = {}): SqlDb {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const pool = new pg.Pool(poolConfig(connectionString, opts.max ?? 20, timeoutMs));
  // Lease claims and renewals: a commit each, several per reply; an fsync each would double the
  // cost of a reply. Losing the last few in a database crash only makes a lease claimable again.
  const relaxed = new pg.Pool(poolConfig(withStartupOption(connectionString, '-c synchronous_commit=off'), 2, timeoutMs));
  // Storing webhooks: the ingest commits one group at a time, so two connections are plenty.
  const urgent = new pg.Pool(poolConfig(connectionString, 2, timeoutMs));
  // An idle client losing its connection (database restart) must not crash the process; the next
  // query gets a fresh connection or reports the error where it can be handled.
  for (const p of [pool, relaxed, urgent]) p.on('error', () => undefined);
  return new PgDb(pool, relaxed, urgent, { connectionString, connectionTimeoutMillis: timeoutMs, keepAlive: true });
}

export function createPostgresStore(connectionString: string, opts: PgOptions = {}): SqlStore {
  const db = openPgDb(connectionString, opts);
  return new SqlStore(db, sqlLeases(db.relaxed ?? db));
}
