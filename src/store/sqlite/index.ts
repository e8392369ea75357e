import Database from 'better-sqlite3';
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations } from '../migrate';
import { GroupCommit } from './group-commit';
import type { WriteLock } from './write-lock';
import type { Param, SqlDb, SqlRunner } from '../sql';
import { memoryLeases } from '../leases';
import { SqlStore } from '../sql-store';

/**
 * SQLite through better-sqlite3: WAL with synchronous=FULL, so a committed transaction survives a
 * power cut. The driver is synchronous; this wrapper makes it async. Transactions, and writes made
 * outside one, are committed in groups (group-commit.ts): they never interleave, and each settles
 * only once its COMMIT has returned. Reads outside a transaction go to a second, read-only
 * connection, so they see committed data only and never a group still being written (in WAL mode a
 * reader never waits for the writer).
 */
class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  readonly shared = false;
  private readonly writes: Statements;
  private readonly reads: Statements;
  private readonly groups: GroupCommit;

  constructor(
    readonly db: Database.Database,
    private readonly reader?: Database.Database,
    lock?: WriteLock,
    private readonly wal?: WalFlush,
  ) {
    this.writes = new Statements(db);
    this.reads = reader ? new Statements(reader) : this.writes;
    this.groups = new GroupCommit(db, runnerOf(this.writes) as SqlRunner, undefined, lock, wal && (() => wal.flush()));
  }

  private readonly outside = runnerOf({
    prepare: (sql) => {
      // Statements that write (INSERT … RETURNING too) go through a group; reads to the reader.
      const s = this.writes.prepare(sql);
      return s.readonly ? this.reads.prepare(sql) : undefined;
    },
  });

  all: SqlRunner['all'] = (sql, params) => this.outside.all(sql, params) ?? this.tx((t) => t.all(sql, params));
  get: SqlRunner['get'] = (sql, params) => this.outside.get(sql, params) ?? this.tx((t) => t.get(sql, params));
  run: SqlRunner['run'] = (sql, params) => this.outside.run(sql, params) ?? this.tx((t) => t.run(sql, params));

  tx<T>(fn: (tx: SqlRunner) => Promise<T>, opts?: { urgent?: boolean }): Promise<T> {
    return this.groups.run(fn, opts?.urgent ?? false);
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
    await this.groups.idle();
    if (this.reader?.open) this.reader.close();
    if (this.db.open) this.db.close();
    this.wal?.close();
  }
}

/** Prepared statements, one per SQL text, kept for the connection's life. */
class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(private readonly db: Database.Database) {}
  prepare(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** A runner over prepared statements; a call returns undefined when `prepare` gives no statement. */
interface MaybeRunner {
  all(sql: string, params?: Param[]): Promise<any[]> | undefined;
  get(sql: string, params?: Param[]): Promise<any> | undefined;
  run(sql: string, params?: Param[]): Promise<{ changes: number }> | undefined;
}

function runnerOf(statements: { prepare(sql: string): Database.Statement | undefined }): MaybeRunner {
  const call = <T>(sql: string, use: (s: Database.Statement) => T): Promise<T> | undefined => {
    const s = statements.prepare(sql);
    if (!s) return undefined;
    try {
      return Promise.resolve(use(s));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    all: (sql, params = []) => call(sql, (s) => s.all(...params)),
    get: (sql, params = []) => call(sql, (s) => s.get(...params)),
    run: (sql, params = []) =>
      call(sql, (s) => {
        if (s.reader) {
          s.all(...params);
          return { changes: 0 };
        }
        return { changes: s.run(...params).changes };
      }),
  };
}

export interface SqliteOptions {
  /** The write lock shared with another thread's connection to the same file. */
  lock?: WriteLock;
  /**
   * Commit without waiting for the disk inside COMMIT, and flush the WAL off the event loop before
   * any transaction of the group settles (group-commit.ts): for the processing thread, which has
   * other work to do while the disk syncs. Settled still means durable.
   */
  deferSync?: boolean;
}

/**
 * fdatasync of the WAL file on libuv's thread pool. One descriptor, opened at the first flush (the
 * WAL exists once something was committed); SQLite reuses the file after checkpoints and removes
 * it only when the last connection closes, and flushing any descriptor of a file flushes the file.
 */
export class WalFlush {
  private fd: number | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** fdatasync calls made (for tests and measurements). */
  syncs = 0;
  constructor(private readonly path: string) {}

  /**
   * Resolves once everything committed before the call is on disk. Flushes do not pile up: while
   * one runs, every caller shares a single next one (it covers all they committed meanwhile), so
   * a burst of commits costs two fdatasync calls, not one each, on the disk the receiving thread's
   * own COMMITs wait for.
   */
  flush(): Promise<void> {
    if (!this.running) {
      this.running = this.sync().finally(() => (this.running = undefined));
      return this.running;
    }
    const after = () => {
      this.queued = undefined;
      return this.flush();
    };
    this.queued ??= this.running.then(after, after);
    return this.queued;
  }

  private sync(): Promise<void> {
    this.syncs++;
    return new Promise((resolve, reject) => {
      try {
        this.fd ??= openSync(this.path, 'r');
      } catch (err) {
        reject(err);
        return;
      }
      fdatasync(this.fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function openSqliteDb(dataDir: string, opts: SqliteOptions = {}): SqlDb {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, 'switchboard.db');
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const deferSync = opts.deferSync === true && file !== ':memory:';
  // NORMAL in WAL mode: COMMIT writes the WAL but does not fsync it; the WalFlush does, before settling.
  db.pragma(deferSync ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (file === ':memory:') return new SqliteDb(db); // a second connection would be another database
  const reader = new Database(file);
  reader.pragma('query_only = ON');
  reader.pragma('busy_timeout = 5000');
  return new SqliteDb(db, reader, opts.lock, deferSync ? new WalFlush(`${file}-wal`) : undefined);
}

export function createSqliteStore(dataDir: string, opts: SqliteOptions = {}): SqlStore {
  return new SqlStore(openSqliteDb(dataDir, opts), memoryLeases());
}
