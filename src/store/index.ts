import { resolve } from 'node:path';
import type { Config } from '../config/env';
import { createSqliteStore } from './sqlite';
import { WriteLock } from './sqlite/write-lock';
import type { Store } from './types';

export interface StoreOptions {
  /** SQLite: the write lock shared with another thread's connection to the same file (its buffer). */
  writeLock?: SharedArrayBuffer;
  /** PostgreSQL: most connections for general work (default 20). */
  poolMax?: number;
  /** SQLite: flush the WAL off the event loop before settling (the processing thread; sqlite/index.ts). */
  deferSync?: boolean;
}

/** SQLite under DATA_DIR by default; DATABASE_URL=postgres://… switches to PostgreSQL. */
export async function openStore(
  config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'> & Partial<Pick<Config, 'STORE_TIMEOUT_MS'>>,
  opts: StoreOptions = {},
): Promise<Store> {
  if (config.DATABASE_URL) {
    // Loaded only when used: pg costs each thread ~50 ms of CPU at start-up on SQLite deployments.
    const { createPostgresStore } = await import('./postgres');
    return createPostgresStore(config.DATABASE_URL, { max: opts.poolMax, timeoutMs: config.STORE_TIMEOUT_MS });
  }
  const lock = opts.writeLock ? new WriteLock(opts.writeLock) : undefined;
  return createSqliteStore(config.DATA_DIR === ':memory:' ? ':memory:' : resolve(config.DATA_DIR), { lock, deferSync: opts.deferSync });
}

export type { Store } from './types';
