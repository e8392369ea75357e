import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../base/paths';

/** SQL migrations as files, per dialect: src/store/migrations/<dialect>/NNN_name.sql, applied in order. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// The SQL files are read from the sources, also when running from dist/.
const here = join(packageRoot, 'src', 'store');

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(here, 'migrations', dialect);
  return readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.split('_')[0]), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}
