import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** SQL migrations as files, per dialect: src/store/migrations/<dialect>/NNN_name.sql, applied in order. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const here = dirname(fileURLToPath(import.meta.url));

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(here, 'migrations', dialect);
  return readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.split('_')[0]), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}
