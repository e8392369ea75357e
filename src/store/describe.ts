import { join, resolve } from 'node:path';
import type { Config } from '../config/env';
import { describeDatabaseUrl } from './database-url';

/**
 * Which store a configuration opens, in words an operator can check: the SQLite file, or the
 * PostgreSQL host and database (never the password). The server's start-up line and every CLI
 * command that reads the store print it, so "no dead letters" is never about the wrong store.
 */
export function describeStore(config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): string {
  if (config.DATABASE_URL) {
    const d = describeDatabaseUrl(config.DATABASE_URL);
    return `postgres (${d.where}, database ${d.database}, user ${d.user}; from DATABASE_URL)`;
  }
  if (config.DATA_DIR === ':memory:') return 'sqlite (in memory: DATA_DIR=:memory:)';
  return `sqlite (${join(resolve(config.DATA_DIR), 'switchboard.db')}; from DATA_DIR, set DATABASE_URL for PostgreSQL)`;
}
