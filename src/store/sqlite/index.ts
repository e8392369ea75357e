import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations } from '../migrate';
import type { Param, SqlDb, SqlRunner } from '../sql';
import { SqlStore } from '../sql-store';

/**
 * SQLite through better-sqlite3: WAL with synchronous=FULL, so a committed transaction survives a
 * power cut. The driver is synchronous; this wrapper makes it async and serializes transactions
 * with a queue so that async code inside one transaction never interleaves with another.
 */
class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly runner: SqlRunner = {
    all: async (sql, params = []) => this.stmt(sql).all(...params) as any[],
    get: async (sql, params = []) => this.stmt(sql).get(...params) as any,
    run: async (sql, params = []) => {
      const s = this.stmt(sql);
      if (s.reader) {
        s.all(...params);
        return { changes: 0 };
      }
      return { changes: s.run(...(params as Param[])).changes };
    },
  };

  all = this.runner.all;
  get = this.runner.get;
  run = this.runner.run;

  tx<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(this.runner);
        this.db.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    for (const m of loadMigrations('sqlite')) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.db.open) this.db.close();
  }
}

export function openSqliteDb(dataDir: string): SqlDb {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, 'switchboard.db');
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return new SqliteDb(db);
}

export function createSqliteStore(dataDir: string): SqlStore {
  return new SqlStore(openSqliteDb(dataDir));
}
