import { resolve } from 'node:path';
import type { Config } from '../config/env';
import { createPostgresStore } from './postgres';
import { createSqliteStore } from './sqlite';
import type { Store } from './types';

/** SQLite under DATA_DIR by default; DATABASE_URL=postgres://… switches to PostgreSQL. */
export async function openStore(config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): Promise<Store> {
  if (config.DATABASE_URL) return createPostgresStore(config.DATABASE_URL);
  return createSqliteStore(config.DATA_DIR === ':memory:' ? ':memory:' : resolve(config.DATA_DIR));
}

export type { Store } from './types';
