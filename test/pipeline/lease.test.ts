import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log';
import { HeldLease, instanceId } from '../../src/pipeline/lease';
import { createPostgresStore } from '../../src/store/postgres';
import { createTestSchema, postgresUnavailable } from '../helpers/postgres';

const unavailable = await postgresUnavailable();
const log = createLogger({ level: 'error', secrets: [] });

describe.skipIf(!!unavailable)('a held lease on PostgreSQL', () => {
  it('is renewed while slow work runs (longer than its TTL), and free for others once released', async () => {
    const schema = await createTestSchema();
    const mine = createPostgresStore(schema.url, { max: 2 });
    const theirs = createPostgresStore(schema.url, { max: 2 });
    try {
      await mine.migrate();
      const opts = { owner: instanceId(), ttlMs: 1000 };
      const held = (await HeldLease.claim(mine, 'c:42', opts, log))!;
      expect(held).toBeDefined();
      // A "bot" running three TTLs: without renewal the lease would expire and another instance take over.
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        expect(await theirs.claimPartition('c:42', 'other-instance', 1000)).toBe(false);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(held.lost).toBe(false);
      await held.release();
      expect(await theirs.claimPartition('c:42', 'other-instance', 1000)).toBe(true);
      expect(instanceId()).not.toBe(opts.owner); // hostname:pid:random differs per start
    } finally {
      await mine.close();
      await theirs.close();
      await schema.drop();
    }
  });
});
