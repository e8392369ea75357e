import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteDb } from '../../../src/store/sqlite';
import { WriteLock } from '../../../src/store/sqlite/write-lock';
import type { SqlDb } from '../../../src/store/sql';
import { tempDir } from '../../helpers/process';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('WriteLock (the SQLite write lock of the receiving and the processing thread)', () => {
  it('lets one holder in at a time; a waiter gets it when it is released', async () => {
    const a = new WriteLock();
    const b = new WriteLock(a.buffer);
    await a.acquire(false);
    let got = false;
    const waiting = b.acquire(false).then(() => (got = true));
    await tick();
    expect(got).toBe(false);
    a.release();
    await waiting;
    expect(got).toBe(true);
    b.release();
  });

  it('gives it to an urgent waiter (a webhook) before background work that waited longer', async () => {
    const holder = new WriteLock();
    const order: string[] = [];
    await holder.acquire(false);
    const background = new WriteLock(holder.buffer).acquire(false).then(() => order.push('background'));
    await tick();
    const urgentLock = new WriteLock(holder.buffer);
    const urgent = urgentLock.acquire(true).then(() => order.push('urgent'));
    await tick();
    holder.release();
    await urgent;
    await tick();
    expect(order).toEqual(['urgent']); // background still waits: the urgent one holds it
    urgentLock.release();
    await background;
    expect(order).toEqual(['urgent', 'background']);
  });

  it('is released by another thread without this one blocking its event loop meanwhile', async () => {
    const lock = new WriteLock();
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const cells = new Int32Array(workerData);
       Atomics.store(cells, 0, 1);
       parentPort.postMessage('holding');
       setTimeout(() => { Atomics.store(cells, 0, 0); Atomics.notify(cells, 0); }, 100);`,
      { eval: true, workerData: lock.buffer },
    );
    await new Promise((r) => worker.once('message', r));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    await lock.acquire(true);
    clearInterval(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect(ticks).toBeGreaterThan(2); // the loop ran while waiting
    lock.release();
    await worker.terminate();
  });
});

describe('two connections to one SQLite file sharing a WriteLock', () => {
  const dir = tempDir();
  const dbs: SqlDb[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close();
  });

  it('interleave their group commits without SQLITE_BUSY or a blocked event loop', async () => {
    const lock = new WriteLock();
    const a = openSqliteDb(dir.path, { lock });
    const b = openSqliteDb(dir.path, { lock: new WriteLock(lock.buffer) });
    dbs.push(a, b);
    await a.run('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who TEXT NOT NULL)');
    // Transactions that span awaits: without the shared lock the second connection's BEGIN
    // IMMEDIATE would wait in SQLite's busy handler (blocking this thread) and then fail.
    const write = (db: SqlDb, who: string, urgent: boolean) =>
      db.tx(
        async (tx) => {
          await tx.run('INSERT INTO t (who) VALUES (?)', [who]);
          await new Promise((r) => setImmediate(r));
          await tx.run('INSERT INTO t (who) VALUES (?)', [who]);
        },
        { urgent },
      );
    await Promise.all(Array.from({ length: 50 }, (_, i) => [write(a, 'a', i % 2 === 0), write(b, 'b', i % 3 === 0)]).flat());
    const rows = (await b.all('SELECT who, COUNT(*) AS n FROM t GROUP BY who ORDER BY who')) as { who: string; n: number }[];
    expect(rows).toEqual([
      { who: 'a', n: 100 },
      { who: 'b', n: 100 },
    ]);
  });
});
