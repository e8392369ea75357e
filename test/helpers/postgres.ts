import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The real PostgreSQL for tests. Each caller gets its own schema (created here, dropped by
 * `drop()`), reached through a URL whose `options=-csearch_path=…` points every connection at it,
 * so parallel test files and reruns never see each other's rows.
 *
 * TEST_DATABASE_URL (default: the local server) picks the server. When it cannot be reached the
 * PostgreSQL tests are skipped with the reason printed, except under REQUIRE_POSTGRES=1 (CI),
 * where that is a failure.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';

let probe: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL answers; otherwise why not. Throws under REQUIRE_POSTGRES=1. */
export async function postgresUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (err) {
      return `PostgreSQL at ${redactUrl(TEST_DATABASE_URL)} is unreachable (${(err as Error).message})`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  const reason = await probe;
  if (reason && process.env.REQUIRE_POSTGRES === '1') throw new Error(`${reason}; REQUIRE_POSTGRES=1 makes this a failure`);
  if (reason) process.stdout.write(`skipping PostgreSQL tests: ${reason}\n`);
  return reason;
}

export interface TestSchema {
  schema: string;
  /** TEST_DATABASE_URL with search_path set to the schema. */
  url: string;
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const schema = `sb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE SCHEMA ${schema}`);
  const sep = TEST_DATABASE_URL.includes('?') ? '&' : '?';
  return {
    schema,
    url: `${TEST_DATABASE_URL}${sep}options=${encodeURIComponent(`-csearch_path=${schema}`)}`,
    drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
