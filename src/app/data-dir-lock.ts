import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/env';

/**
 * One server per SQLite DATA_DIR: `switchboard.pid` holds the pid of the server using it, taken at
 * start and removed on exit. A file whose process is gone (killed, a crash, the machine restarted)
 * is stale and taken over. The CLI does not take it: it may read the store while the server runs.
 */
export const LOCK_FILE = 'switchboard.pid';

export interface DataDirLock {
  path: string;
  /** The pid of a dead process whose lock this replaced, if any. */
  staleFrom?: number;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  let staleFrom: number | undefined;
  for (;;) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    // Our own pid in it: a container restarted with the same pid (PID 1) after a hard stop.
    if (Number.isInteger(owner) && owner > 0 && owner !== pid && alive(owner)) {
      throw new ConfigError(
        'DATA_DIR',
        `${dir} is in use by another Switchboard (pid ${owner}, ${path}); stop it, or give this one its own DATA_DIR (or DATABASE_URL to share a PostgreSQL store)`,
      );
    }
    staleFrom = Number.isInteger(owner) ? owner : undefined;
    try {
      unlinkSync(path);
    } catch {
      /* another starter removed it first; the next wx decides */
    }
  }
  return {
    path,
    staleFrom,
    release() {
      try {
        if (Number.parseInt(readFileSync(path, 'utf8'), 10) === pid) unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}
