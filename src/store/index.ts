import { resolve } from 'node:path';
import type { Config } from '../config/env';
import { createSqliteStore } from './sqlite';
import type { Store } from './types';

/** SQLite under DATA_DIR by default; DATABASE_URL=postgres://… switches to PostgreSQL. */
export async function openStore(config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): Promise<Store> {
  if (config.DATABASE_URL) {
    throw new Error('DATABASE_URL: the PostgreSQL store is not available in this build');
  }
  return createSqliteStore(config.DATA_DIR === ':memory:' ? ':memory:' : resolve(config.DATA_DIR));
}

export type { Store } from './types';
