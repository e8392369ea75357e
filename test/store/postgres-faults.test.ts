import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPgDb } from '../../src/store/postgres';
import type { SqlDb } from '../../src/store/sql';
import { TcpProxy } from '../fakes/tcp-proxy';
import { createTestSchema, postgresUnavailable, TEST_DATABASE_URL, type TestSchema } from '../helpers/postgres';
import { eventually } from '../helpers/process';

/**
 * The driver's side of a lost database, one connection at a time, behind a TCP proxy: a connection
 * reset while a transaction holds its client between two statements (where pg has no query to
 * fail and emits 'error' on the client instead, which ends a process that does not listen), and a
 * database that stops answering without closing anything. Either must come back as a rejected
 * promise within the deadline, and the store must work again once the network does.
 */
const unavailable = await postgresUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!!unavailable)('PostgreSQL connection lost (driver behind a TCP proxy)', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let db: SqlDb;
  beforeEach(async () => {
    schema = await createTestSchema();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await new TcpProxy(Number(target.port || 5432), target.hostname).start();
    db = openPgDb(proxy.url(schema.url), { max: 2, timeoutMs: 800 });
  });
  afterEach(async () => {
    await db.close().catch(() => undefined);
    await proxy.stop();
    await schema.drop();
  });

  it('a reset between two statements of a transaction rejects it (no unhandled error event); the next query reconnects', async () => {
    const tx = db.tx(async (t) => {
      await t.get('SELECT 1 AS one');
      proxy.cut();
      await sleep(100); // the client is checked out and idle when its connection goes
      proxy.restore();
      return t.get('SELECT 2 AS two');
    });
    await expect(tx).rejects.toThrow();
    await eventually(async () => (await db.get('SELECT 3 AS three'))?.three === 3);
  });

  it('a reset of idle pooled connections is not an error anywhere; the next query reconnects', async () => {
    await Promise.all([db.get('SELECT 1'), db.tx((t) => t.get('SELECT 1'))]);
    proxy.cut();
    await sleep(100);
    proxy.restore();
    await eventually(async () => (await db.get('SELECT 4 AS four'))?.four === 4);
  });

  it('a database that stops answering fails a query, a transaction and a connect within the deadline, then works again', async () => {
    await db.get('SELECT 1');
    proxy.drop();
    await expect(db.get('SELECT 5')).rejects.toThrow(/timeout/i);
    await expect(db.tx((t) => t.get('SELECT 6'))).rejects.toThrow(/timeout/i);
    proxy.restore();
    await eventually(async () => (await db.get('SELECT 7 AS seven'))?.seven === 7);
  });
});
