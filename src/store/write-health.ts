import type { SqlDb } from './sql';

/**
 * Whether the store can take writes, learnt from the writes themselves: a write that fails for a
 * reason of the storage (disk full, read-only or failing file system, the database unreachable,
 * not answering, shutting down) marks it unwritable; the next write that commits marks it
 * writable again. While unwritable, a probe write is tried every `probeMs`, so the state comes
 * back even when everything that writes has paused. Listeners hear each change once, so a
 * deployment logs one line when the disk fills and one when it has room again, not one per
 * refused request.
 */
export class WriteHealth {
  private current: string | undefined;
  private readonly listeners: ((problem: string | undefined) => void)[] = [];
  private probing: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly probeMs = 1000,
  ) {}

  get problem(): string | undefined {
    return this.current;
  }

  onChange(listener: (problem: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  failed(err: unknown): void {
    const problem = storageProblem(err);
    if (problem === undefined || this.current !== undefined) return;
    this.current = problem;
    for (const l of this.listeners) l(problem);
    this.scheduleProbe();
  }

  succeeded(): void {
    if (this.current === undefined) return;
    this.current = undefined;
    clearTimeout(this.probing);
    this.probing = undefined;
    for (const l of this.listeners) l(undefined);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probing);
  }

  private scheduleProbe(): void {
    if (this.closed || this.probing) return;
    this.probing = setTimeout(() => {
      this.probing = undefined;
      if (this.closed || this.current === undefined) return;
      this.probe().then(
        () => this.succeeded(),
        () => this.scheduleProbe(),
      );
    }, this.probeMs);
    this.probing.unref();
  }
}

/** SQLSTATE classes of PostgreSQL that are about the server or the connection, not the statement. */
const PG_STORAGE_CLASSES = new Set(['08', '53', '57', '58']);
const PG_DRIVER_LOST = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|not queryable|Connection closed/i;
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/;

/**
 * A short reason when `err` says the storage cannot write (not that one statement was wrong, e.g.
 * a constraint), else undefined.
 */
export function storageProblem(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (SQLITE_STORAGE.test(code)) return `${code}: ${message}`;
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (PG_STORAGE_CLASSES.has(code.slice(0, 2)) || code === '25006') return `${code}: ${message}`;
    return undefined;
  }
  if (code.startsWith('SQLITE_')) return undefined;
  // No SQLSTATE: the system's (ECONNREFUSED, ECONNRESET, ENOSPC…) or the pg driver's own words
  // for a lost or silent connection.
  if (/^E[A-Z]+$/.test(code)) return `${code}: ${message}`;
  if (PG_DRIVER_LOST.test(message)) return message;
  return undefined;
}

/** `db` with every write (transactions and plain statements) reported to `health`, and every failed read. */
export function watchWrites(db: SqlDb, health: WriteHealth): SqlDb {
  const watched = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (v) => {
        health.succeeded();
        return v;
      },
      (err) => {
        health.failed(err);
        throw err;
      },
    );
  // Reads only tell of failures (a database that is gone): SQLite reads a full disk without trouble.
  const read = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err) => {
      health.failed(err);
      throw err;
    });
  return Object.assign(Object.create(db) as SqlDb, {
    tx: ((fn, opts) => watched(db.tx(fn, opts))) as SqlDb['tx'],
    run: ((sql, params) => watched(db.run(sql, params))) as SqlDb['run'],
    all: ((sql, params) => read(db.all(sql, params))) as SqlDb['all'],
    get: ((sql, params) => read(db.get(sql, params))) as SqlDb['get'],
    migrate: db.migrate.bind(db),
    close: db.close.bind(db),
  });
}
