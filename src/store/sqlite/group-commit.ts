import type Database from 'better-sqlite3';
import type { SqlRunner } from '../sql';
import type { WriteLock } from './write-lock';

interface Job {
  fn: (tx: SqlRunner) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Most transactions one commit carries, so one group's latency stays bounded. */
const MAX_GROUP = 1000;
/**
 * Background work (processing, bot runs, outbox marks) one group runs after its urgent jobs, in
 * ms. A webhook waits for the whole group it joined; the rest of the background work goes in the
 * next group, after the event loop has read the requests that came in meanwhile.
 */
const BACKGROUND_BUDGET_MS = 2;

/**
 * Group commit for one SQLite connection. better-sqlite3 is synchronous, so with synchronous=FULL
 * every COMMIT blocks the event loop for an fsync; one COMMIT per webhook, per bot run and per sent
 * reply made the fsync the ceiling. Here every transaction asked for while the event loop is busy joins one group:
 * a single BEGIN IMMEDIATE … COMMIT with each caller's work in its own SAVEPOINT, so one caller's
 * error rolls back only its own work. Every caller's promise settles only after the COMMIT that
 * holds its work has returned, so "resolved" still means "durable". With a deferred sync (the
 * processing thread's connection), COMMIT does not wait for the disk; the WAL is flushed with
 * fdatasync on libuv's thread pool while the thread goes on, and callers settle after that flush.
 */
export class GroupCommit {
  private jobs: Job[] = [];
  /** Jobs a provider is waiting on (storing a webhook): first in every group. */
  private urgent: Job[] = [];
  private scheduled = false;
  private committing = false;
  /** Committed groups whose WAL flush (deferred sync) is still running. */
  private syncing = 0;
  private drained: (() => void)[] = [];

  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly runner: SqlRunner,
    private readonly backgroundBudgetMs = BACKGROUND_BUDGET_MS,
    /** Shared with the other thread's connection to the same file (PROCESSING_THREAD), if any. */
    private readonly lock?: WriteLock,
    /**
     * Deferred sync: the connection commits with synchronous=NORMAL (no fsync inside COMMIT) and
     * this flushes the WAL to disk off the event loop; a group's callers settle only after it.
     */
    private readonly sync?: () => Promise<void>,
  ) {
    // Prepared once: exec() would parse these two statements again for every transaction.
    this.savepoint = db.prepare('SAVEPOINT job');
    this.release = db.prepare('RELEASE job');
  }

  run<T>(fn: (tx: SqlRunner) => Promise<T>, urgent = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.urgent : this.jobs).push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves when every transaction asked for so far has settled. */
  idle(): Promise<void> {
    if (this.quiet && !this.pending) return Promise.resolve();
    return new Promise((r) => this.drained.push(r));
  }

  /** Transactions asked for and not yet in a group. */
  private get pending(): boolean {
    return this.jobs.length > 0 || this.urgent.length > 0;
  }

  /** No group being written, waiting to start, or being flushed. */
  private get quiet(): boolean {
    return !this.committing && !this.scheduled && this.syncing === 0;
  }

  private schedule() {
    if (this.scheduled || this.committing) return;
    this.scheduled = true;
    // After the poll phase: every request whose bytes arrived in this turn of the loop joins.
    setImmediate(() => void this.commitGroup());
  }

  private async commitGroup(): Promise<void> {
    this.scheduled = false;
    this.committing = true;
    let locked = false;
    let group: Job[] = [];
    let outcomes: Outcome[] | undefined;
    let failure: unknown;
    try {
      if (this.lock) {
        await this.lock.acquire(this.urgent.length > 0);
        locked = true;
      }
      // Taken after the lock: webhooks that arrived while waiting for it join this group.
      group = this.urgent.splice(0, MAX_GROUP);
      outcomes = await this.execute(group, MAX_GROUP - group.length);
    } catch (err) {
      failure = err;
    } finally {
      if (locked) this.lock!.release();
      this.committing = false;
    }
    // With a deferred sync the COMMIT wrote the WAL without waiting for the disk: the next group
    // (and the other thread) may write while it is flushed, but no caller hears of its work before.
    if (outcomes && this.sync) {
      this.syncing++;
      if (this.pending) this.schedule();
      try {
        await this.sync();
      } catch (err) {
        failure = err;
      } finally {
        this.syncing--;
      }
    }
    group.forEach((job, i) => {
      const o = outcomes?.[i];
      if (failure !== undefined || !o) job.reject(failure);
      else if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
    if (this.pending) this.schedule();
    else if (this.quiet) for (const r of this.drained.splice(0)) r();
  }

  /**
   * Runs the group in one transaction; throws (rejecting all) when BEGIN or COMMIT fails. After
   * the urgent jobs in `group`, background jobs join it (appended to `group`) while the budget lasts.
   */
  private async execute(group: Job[], room: number): Promise<Outcome[]> {
    const db = this.db;
    const started = performance.now();
    // One job alone runs without a savepoint; then nothing may join it.
    const single = group.length + Math.min(room, this.jobs.length) === 1;
    let background = 0;
    const more = (): Job | undefined => {
      if (room <= 0 || this.jobs.length === 0 || (single && group.length > 0)) return undefined;
      // At least one background job per group, so background work always moves.
      if (background > 0 && performance.now() - started >= this.backgroundBudgetMs) return undefined;
      room--;
      background++;
      const job = this.jobs.shift()!;
      group.push(job);
      return job;
    };
    db.exec('BEGIN IMMEDIATE');
    const outcomes: Outcome[] = [];
    try {
      for (let i = 0; i < group.length || more(); i++) {
        const job = group[i]!;
        if (!single) this.savepoint.run();
        try {
          const value = await job.fn(this.runner);
          if (!single) this.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          // Some errors (SQLITE_FULL, SQLITE_IOERR) end the whole transaction: then nothing in it holds.
          if (!db.inTransaction) throw error;
          if (!single) db.exec('ROLLBACK TO job; RELEASE job');
          outcomes.push({ ok: false, error });
        }
      }
      if (single && !outcomes[0]!.ok) db.exec('ROLLBACK');
      else db.exec('COMMIT');
      return outcomes;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
}
