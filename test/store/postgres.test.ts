import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresStore, toPgPlaceholders } from '../../src/store/postgres';
import { createTestSchema, postgresUnavailable } from '../helpers/postgres';
import { eventually } from '../helpers/process';
import { deliver, message } from './events';

describe('PostgreSQL placeholders', () => {
  it('turns ? into $n outside quoted literals and identifiers', () => {
    expect(toPgPlaceholders('SELECT * FROM t WHERE a = ? AND b = \'?\' AND "c?" = ? LIMIT ?')).toBe(
      'SELECT * FROM t WHERE a = $1 AND b = \'?\' AND "c?" = $2 LIMIT $3',
    );
  });
});

const unavailable = await postgresUnavailable();

describe.skipIf(!!unavailable)('PostgreSQL driver', () => {
  it('applies migrations once when several instances start at the same time, and returns BIGINT ids as numbers', async () => {
    const schema = await createTestSchema();
    const stores = Array.from({ length: 4 }, () => createPostgresStore(schema.url, { max: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await stores[0]!.db.all<{ version: number; n: number }>(
        'SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const [out] = await stores[1]!.appendDeliveries([{ provider: 'p', key: 'k', payload: {}, receivedAt: new Date().toISOString() }]);
      expect(typeof out!.id).toBe('number');
    } finally {
      for (const s of stores) await s.close();
      await schema.drop();
    }
  });

  it('marks a reply sent while its echo is being stored: the one statement meets the echo, the transaction folds it in', async () => {
    const schema = await createTestSchema();
    const store = createPostgresStore(schema.url, { max: 2 });
    const other = new pg.Client({ connectionString: schema.url });
    const watch = new pg.Client({ connectionString: schema.url });
    await Promise.all([other.connect(), watch.connect()]);
    try {
      await store.migrate();
      await deliver(store, [message(1, 'hi')]);
      const d = (await store.nextDispatch((await store.pendingPartitions(1))[0]!))!;
      const { items } = await store.completeDispatch({
        dispatchId: d.id,
        outbound: [{ conversation: { id: d.conversationId! }, provider: 'fake', message: { text: 'mine' }, afterOrderKey: 1 }],
      });
      const item = items[0]!;
      await store.outboxMarkSending(item.id);
      // The provider's webhook echo of our reply is being stored by another connection, not yet committed.
      const echoPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO messages (conversation_id, provider, external_id, direction, author_id, author_role, kind, text, sent_at, status, order_key, created_at)
         VALUES ($1, 'fake', 'out-9', 'outbound', 'bot', 'bot', 'text', 'mine', '2026-01-01T12:00:50.000Z', 'delivered', 50, '2026-01-01T12:00:50.000Z')`,
        [item.conversationId],
      );
      const marking = store.outboxMarkSent(item.id, { externalId: 'out-9', orderKey: 50, at: '2026-01-01T12:00:51.000Z' });
      // The statement saw no echo and now waits on the echo's provider id; then the echo commits.
      // (Watched from outside the echo's transaction: inside one, pg_stat_activity is a snapshot.)
      const blocked = "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'WITH o AS (UPDATE outbox%' AND $1 = ANY (pg_blocking_pids(pid))";
      await eventually(async () => (await watch.query(blocked, [echoPid])).rowCount === 1, 5000);
      await other.query('COMMIT');
      await marking;
      const msgs = await store.listMessages(item.conversationId);
      expect(msgs.map((m) => [m.externalId, m.direction, m.text, m.status])).toEqual([
        ['m1', 'inbound', 'hi', 'received'],
        ['out-9', 'outbound', 'mine', 'delivered'],
      ]);
      expect(await store.outboxInterrupted('someone-else')).toEqual([]); // not left 'sending'
    } finally {
      await Promise.all([other.end(), watch.end()]);
      await store.close();
      await schema.drop();
    }
  });
});
