import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process';

/**
 * A PostgreSQL server of a test's own (initdb in a temp dir, run as the `postgres` user), for what
 * cannot be done to the shared one: restarting it for real under load. Available when the
 * PostgreSQL binaries are installed and the tests run as root (postgres refuses to run as root, so
 * it runs as the `postgres` account); otherwise `privatePostgresUnavailable()` says why.
 */
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export function privatePostgresUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (the private server runs as the postgres account)';
  const r = spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '--version']);
  return r.status === 0 ? undefined : `no ${join(BIN, 'pg_ctl')} runnable as postgres (set PG_BIN)`;
}

export interface PrivatePostgres {
  url: string;
  /**
   * pg_ctl stop -m fast (every connection terminated, 57P01), down for `downMs` (a real restart
   * with recovery takes seconds), then started again on the same port.
   */
  restart(downMs?: number): Promise<void>;
  stop(): void;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  chownSync(dir, Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim()), Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim()));
  const data = join(dir, 'data');
  const port = await freePort();
  const as = (...args: string[]) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  };
  as(join(BIN, 'initdb'), '-D', data, '-U', 'root', '--auth=trust', '-E', 'UTF8');
  // fsync off: the test restarts the server, it does not pull the plug.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  as(join(BIN, 'pg_ctl'), '-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start');
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    restart: async (downMs = 2000) => {
      as(join(BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop');
      await new Promise((r) => setTimeout(r, downMs));
      as(join(BIN, 'pg_ctl'), '-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start');
    },
    stop: () => {
      spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
