import { afterEach, beforeEach } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres';
import { createSqliteStore } from '../../src/store/sqlite';
import type { Store } from '../../src/store/types';
import { tempDir } from '../helpers/process';
import { createTestSchema, postgresUnavailable } from '../helpers/postgres';

/**
 * The dialects a store suite runs on. `open()` gives a fresh, migrated database; `second()` opens
 * another handle on the same database (another instance's view of it; SQLite: the same handle).
 */
export interface TestDatabase {
  store: Store;
  second(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  skip: string | undefined;
  open(): Promise<TestDatabase>;
}

export async function dialects(): Promise<Dialect[]> {
  const pgReason = await postgresUnavailable();
  return [
    {
      name: 'sqlite',
      skip: undefined,
      async open() {
        const dir = tempDir('switchboard-store-');
        const stores = [createSqliteStore(dir.path)];
        await stores[0]!.migrate();
        return {
          store: stores[0]!,
          // SQLite is single-instance: a second handle in the same process would block the event
          // loop on the write lock held by the first. The other "instance" is the same handle.
          second: async () => stores[0]!,
          async cleanup() {
            for (const s of stores) await s.close();
            dir.remove();
          },
        };
      },
    },
    {
      name: 'postgres',
      skip: pgReason,
      async open() {
        const schema = await createTestSchema();
        const stores = [createPostgresStore(schema.url, { max: 4 })];
        await stores[0]!.migrate();
        return {
          store: stores[0]!,
          async second() {
            const s = createPostgresStore(schema.url, { max: 4 });
            stores.push(s);
            return s;
          },
          async cleanup() {
            for (const s of stores) await s.close();
            await schema.drop();
          },
        };
      },
    },
  ];
}

/** A fresh database per test on dialect `d` (skipped, with its reason, when it is unavailable). */
export function useTestDatabase(d: Dialect): { readonly db: TestDatabase; readonly store: Store } {
  let db: TestDatabase | undefined;
  beforeEach(async (ctx) => {
    if (d.skip) return ctx.skip();
    db = await d.open();
  });
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });
  return {
    get db() {
      return db!;
    },
    get store() {
      return db!.store;
    },
  };
}
