import { describe, expect, it } from 'vitest';
import { createPostgresStore, toPgPlaceholders } from '../../src/store/postgres';
import { createTestSchema, postgresUnavailable } from '../helpers/postgres';

describe('PostgreSQL placeholders', () => {
  it('turns ? into $n outside quoted literals and identifiers', () => {
    expect(toPgPlaceholders("SELECT * FROM t WHERE a = ? AND b = '?' AND \"c?\" = ? LIMIT ?")).toBe("SELECT * FROM t WHERE a = $1 AND b = '?' AND \"c?\" = $2 LIMIT $3");
  });
});

const unavailable = await postgresUnavailable();

describe.skipIf(!!unavailable)('PostgreSQL driver', () => {
  it('applies migrations once when several instances start at the same time, and returns BIGINT ids as numbers', async () => {
    const schema = await createTestSchema();
    const stores = Array.from({ length: 4 }, () => createPostgresStore(schema.url, { max: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await stores[0]!.db.all<{ version: number; n: number }>('SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version');
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const [out] = await stores[1]!.appendDeliveries([{ provider: 'p', key: 'k', payload: {}, receivedAt: new Date().toISOString() }]);
      expect(typeof out!.id).toBe('number');
    } finally {
      for (const s of stores) await s.close();
      await schema.drop();
    }
  });
});
