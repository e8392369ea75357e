import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteDb } from '../../src/store/sqlite';
import { GroupCommit } from '../../src/store/sqlite/group-commit';
import type { SqlRunner } from '../../src/store/sql';
import { tempDir } from '../helpers/process';

describe('SQLite group commit', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  const open = (backgroundBudgetMs = Infinity, sync?: () => Promise<void>) => {
    const dir = tempDir('switchboard-group-');
    dirs.push(dir);
    const db = new Database(join(dir.path, 'g.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
    const commits: string[] = [];
    // Count the COMMITs better-sqlite3 is asked for (the driver itself runs for real).
    const counted = new Proxy(db, {
      get: (target, key) =>
        key === 'exec'
          ? (sql: string) => {
              if (/COMMIT/.test(sql)) commits.push(sql);
              return target.exec(sql);
            }
          : Reflect.get(target, key, target),
    });
    const runner: SqlRunner = {
      all: async (sql, p = []) => db.prepare(sql).all(...p) as any[],
      get: async (sql, p = []) => db.prepare(sql).get(...p) as any,
      run: async (sql, p = []) => ({ changes: db.prepare(sql).run(...p).changes }),
    };
    return { db, group: new GroupCommit(counted, runner, backgroundBudgetMs, undefined, sync), commits, file: join(dir.path, 'g.db') };
  };

  it('commits concurrent transactions together, settling each only after the COMMIT', async () => {
    const { group, commits, file } = open();
    const done = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        group.run(async (tx) => {
          await tx.run('INSERT INTO t (v) VALUES (?)', [`v${i}`]);
          return i;
        }),
      ),
    );
    expect(done).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(commits).toHaveLength(1);
    // Durable: another connection sees every row as soon as the promises resolved.
    const other = new Database(file, { readonly: true });
    expect(other.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 50 });
    other.close();
  });

  it('runs urgent transactions (stored webhooks) first, and background work beyond the budget in later groups', async () => {
    const { group, commits } = open(0); // a budget of 0: one background job per group
    const ran: string[] = [];
    const settled: string[] = [];
    const job = (name: string, urgent: boolean) =>
      group
        .run(async (tx) => {
          ran.push(name);
          await tx.run('INSERT INTO t (v) VALUES (?)', [name]);
        }, urgent)
        .then(() => settled.push(`${name}@${commits.length}`));
    await Promise.all([job('bg1', false), job('bg2', false), job('bg3', false), job('webhook', true)]);
    expect(ran).toEqual(['webhook', 'bg1', 'bg2', 'bg3']);
    // The webhook's promise settled after the first COMMIT, which carried one background job.
    expect(settled).toEqual(['webhook@1', 'bg1@1', 'bg2@2', 'bg3@3']);
    expect(commits).toHaveLength(3);
  });

  it('rolls back only the transaction that failed; the rest of its group commits', async () => {
    const { db, group } = open();
    const results = await Promise.allSettled([
      group.run((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['a'])),
      group.run(async (tx) => {
        await tx.run('INSERT INTO t (v) VALUES (?)', ['b']);
        await tx.run('INSERT INTO t (v) VALUES (?)', ['a']); // UNIQUE violation
      }),
      group.run((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['c'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 'a' }, { v: 'c' }]);
    await group.idle();
  });

  it('reads outside a transaction never see a group that has not committed', async () => {
    const dir = tempDir('switchboard-group-');
    dirs.push(dir);
    const sql = openSqliteDb(dir.path);
    await sql.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    let seenInside: unknown;
    await sql.tx(async (tx) => {
      await tx.run('INSERT INTO t (v) VALUES (?)', ['x']);
      seenInside = await sql.get('SELECT COUNT(*) AS n FROM t');
    });
    expect(seenInside).toEqual({ n: 0 });
    expect(await sql.get('SELECT COUNT(*) AS n FROM t')).toEqual({ n: 1 });
    // A write outside a transaction is its own (grouped) transaction, settled after its commit.
    expect(await sql.run('INSERT INTO t (v) VALUES (?)', ['y'])).toEqual({ changes: 1 });
    expect(await sql.get<{ v: string }>('INSERT INTO t (v) VALUES (?) RETURNING v', ['z'])).toEqual({ v: 'z' });
    expect(await sql.get('SELECT COUNT(*) AS n FROM t')).toEqual({ n: 3 });
    await sql.close();
  });

  it('deferred sync: a group settles only after its WAL flush, the next group commits meanwhile, a failed flush rejects its group', async () => {
    const flushes: { resolve(): void; reject(e: Error): void }[] = [];
    const { group, commits } = open(Infinity, () => new Promise<void>((resolve, reject) => flushes.push({ resolve, reject })));
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
      expect(cond()).toBe(true);
    };
    let firstSettled = false;
    const first = group.run((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['a'])).then(() => (firstSettled = true));
    await until(() => flushes.length === 1);
    expect(commits).toHaveLength(1);
    expect(firstSettled).toBe(false); // committed, not yet on disk: nobody hears of it
    const second = group.run((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['b']));
    await until(() => flushes.length === 2); // the next group did not wait for the first flush
    expect(commits).toHaveLength(2);
    expect(firstSettled).toBe(false);
    let idle = false;
    void group.idle().then(() => (idle = true));
    flushes[0]!.resolve();
    await first;
    expect(firstSettled).toBe(true);
    expect(idle).toBe(false); // the second flush is still running
    flushes[1]!.reject(new Error('EIO: fdatasync failed'));
    await expect(second).rejects.toThrow(/EIO/);
    await until(() => idle);
  });

  it('deferSync: the connection commits with synchronous=NORMAL and flushes the WAL itself; what settled is on disk', async () => {
    const dir = tempDir('switchboard-group-');
    dirs.push(dir);
    const pragma = (db: unknown) => (db as { db: Database.Database }).db.pragma('synchronous', { simple: true });
    const full = openSqliteDb(dir.path);
    const deferred = openSqliteDb(dir.path, { deferSync: true });
    expect([pragma(full), pragma(deferred)]).toEqual([2, 1]); // FULL for the receiving thread, NORMAL here
    await full.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await Promise.all(Array.from({ length: 20 }, (_, i) => deferred.tx((tx) => tx.run('INSERT INTO t (v) VALUES (?)', [`v${i}`]))));
    await deferred.close();
    await full.close();
    const reopened = new Database(join(dir.path, 'switchboard.db'), { readonly: true });
    expect(reopened.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 20 });
    reopened.close();
  });
});
