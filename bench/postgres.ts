import pg from 'pg';
import { openStore } from '../src/store';

/**
 * Scenario (d) needs a reachable PostgreSQL and a build whose store speaks it. Each run gets a
 * fresh database, dropped afterwards, so runs never see each other's rows.
 */
export async function postgresDatabases(adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test') {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    return { reason: `PostgreSQL not reachable at ${adminUrl}: ${(err as Error).message}`, close: async () => undefined };
  }
  let n = 0;
  const create = async () => {
    const name = `switchboard_bench_${process.pid}_${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return {
      url: u.toString(),
      drop: async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  };
  // Does this build's store speak PostgreSQL? Open it once on a scratch database.
  const probe = await create();
  try {
    const store = await openStore({ DATA_DIR: '', DATABASE_URL: probe.url } as never);
    await store.close();
  } catch (err) {
    await probe.drop();
    await admin.end();
    return { reason: `the store does not open DATABASE_URL in this build (${(err as Error).message})`, close: async () => undefined };
  }
  await probe.drop();
  return { create, reason: undefined, close: () => admin.end() };
}
