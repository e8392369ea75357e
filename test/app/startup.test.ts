import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, SERVER, startServer, tempDir } from '../helpers/process';
import { postgresUnavailable, TEST_DATABASE_URL } from '../helpers/postgres';

/**
 * A newcomer's first hour through the real process (dist/, as `npm start` runs it): each start-up
 * failure is one line naming the variable and what to do, a non-zero exit; `npm start` stops on a
 * signal to the pid a supervisor holds; .env is read; --help and --version do not start a server.
 */
const root = join(import.meta.dirname, '..', '..');

interface Exit {
  code: number | null;
  lines: string[];
}

/** The server started with env (no PORT unless given) until it exits by itself; its output as lines (JSON lines read as their message). */
function runToExit(env: Record<string, string>, opts: { args?: string[]; cwd?: string } = {}): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...SERVER, ...(opts.args ?? [])], {
      cwd: opts.cwd ?? root,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      const lines = out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => (l.startsWith('{') ? JSON.parse(l).message : l));
      resolve({ code, lines });
    });
  });
}

const dirs: { remove(): void }[] = [];
const dir = () => {
  const d = tempDir('switchboard-22-');
  dirs.push(d);
  return d.path;
};
afterAll(() => {
  for (const d of dirs) d.remove();
});

describe('start-up failures: one line naming the cause, a non-zero exit', () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', () => r()));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => taken.close(() => r())));

  it.concurrent('the port already in use', async () => {
    const r = await runToExit({ DATA_DIR: dir(), PORT: String(takenPort) });
    expect(r.code).not.toBe(0);
    expect(r.lines).toEqual([
      `Switchboard failed to start: PORT: port ${takenPort} is already in use by another process; stop that process or set PORT to a free port`,
    ]);
  });

  it.concurrent('DATABASE_URL at a closed port (host and database named, password hidden)', async () => {
    const port = await freePort();
    const r = await runToExit({ PORT: '0', DATABASE_URL: `postgres://sb:hunter2-secret@127.0.0.1:${port}/switchboard` });
    expect(r.code).not.toBe(0);
    expect(r.lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Switchboard failed to start: DATABASE_URL: nothing accepts connections at 127\\.0\\.0\\.1:${port} \\(database "switchboard"\\); start PostgreSQL`,
        ),
      ),
    ]);
    expect(r.lines.join('\n')).not.toContain('hunter2-secret');
  });

  it.concurrent('DATABASE_URL with an unknown host', async () => {
    const r = await runToExit({ PORT: '0', DATABASE_URL: 'postgres://sb:hunter2-secret@no-such-host.invalid:5432/switchboard' });
    expect(r.code).not.toBe(0);
    expect(r.lines).toEqual([
      expect.stringMatching(
        /^Switchboard failed to start: DATABASE_URL: the host of no-such-host\.invalid:5432 (is unknown|could not be resolved) \(database "switchboard"\)/,
      ),
    ]);
    expect(r.lines.join('\n')).not.toContain('hunter2-secret');
  });

  it.concurrent('DATABASE_URL naming a database that does not exist', async ({ skip }) => {
    if (await postgresUnavailable()) return skip();
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/switchboard_22_no_such_db';
    const r = await runToExit({ PORT: '0', DATABASE_URL: url.toString() });
    expect(r.code).not.toBe(0);
    expect(r.lines).toEqual([
      `Switchboard failed to start: DATABASE_URL: database "switchboard_22_no_such_db" does not exist on ${url.hostname}:${url.port || 5432}; create it (createdb switchboard_22_no_such_db) or fix the database name in DATABASE_URL`,
    ]);
  });

  it('a second server on the same DATA_DIR; the lock is cleared on exit and a stale one taken over', async () => {
    const data = dir();
    const first = await startServer({ DATA_DIR: data });
    try {
      const lock = join(data, 'switchboard.pid');
      expect(Number(readFileSync(lock, 'utf8'))).toBe(first.child.pid);
      const second = await runToExit({ DATA_DIR: data, PORT: '0' });
      expect(second.code).toBe(78);
      expect(second.lines).toEqual([
        expect.stringMatching(new RegExp(`^Configuration error: DATA_DIR: .* is in use by another Switchboard \\(pid ${first.child.pid},`)),
      ]);
      expect(Number(readFileSync(lock, 'utf8'))).toBe(first.child.pid); // the loser leaves the winner's lock alone
      expect(await first.stop()).toBe(0);
      expect(existsSync(lock)).toBe(false);

      // A lock whose process is gone (kill -9, a crash): taken over, with a warning.
      const dead = spawn(process.execPath, ['-e', '']);
      await new Promise((r) => dead.on('exit', r));
      writeFileSync(lock, `${dead.pid}\n`);
      const third = await startServer({ DATA_DIR: data });
      expect(third.logs.join('\n')).toContain(`took over ${lock} left by pid ${dead.pid}, which is no longer running`);
      expect(await third.stop()).toBe(0);
    } finally {
      await first.stop('SIGKILL');
    }
  }, 60_000); // three starts one after another
});

describe('.env', () => {
  it('is read from the current directory; the environment wins; the start-up log names the file', async () => {
    const cwd = dir();
    const [filePort, envPort] = [await freePort(), await freePort()];
    writeFileSync(join(cwd, '.env'), `# copied from .env.example\nPORT=${filePort}\nDATA_DIR=${join(cwd, 'data')}\nBOTS="echo"\n`);
    const stopAfterStart = async (env: Record<string, string>, port: number) => {
      const child = spawn(process.execPath, SERVER, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      try {
        await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20_000);
        const ready = out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .find((l) => /listening/.test(l.message));
        return ready;
      } finally {
        await stop(child);
      }
    };
    const fromFile = await stopAfterStart({}, filePort);
    expect(fromFile).toMatchObject({ port: filePort, envFile: `${join(cwd, '.env')} (BOTS, DATA_DIR, PORT)` });
    const fromEnv = await stopAfterStart({ PORT: String(envPort) }, envPort);
    expect(fromEnv).toMatchObject({ port: envPort, envFile: `${join(cwd, '.env')} (BOTS, DATA_DIR)` });
  });

  it('a bad value in it is reported with the file named', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, '.env'), 'PORT=eighty\n');
    const r = await runToExit({}, { cwd });
    expect(r.code).toBe(78);
    expect(r.lines).toEqual([
      `Configuration error: PORT: expected a port number 0-65535. Fix it in the environment or ${join(cwd, '.env')}, then start again.`,
    ]);
  });
});

describe('--help and --version', () => {
  it.concurrent('--version prints the version and exits', async () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    expect(await runToExit({ PORT: String(await freePort()) }, { args: ['--version'] })).toEqual({ code: 0, lines: [version] });
  });

  it.concurrent('--help says how it is configured and exits without starting', async () => {
    const r = await runToExit({ DATA_DIR: dir() }, { args: ['--help'] });
    expect(r.code).toBe(0);
    expect(r.lines.join('\n')).toMatch(/Usage: npm start[\s\S]*\.env[\s\S]*PORT=3000[\s\S]*DATABASE_URL/);
  });

  it.concurrent('an unknown argument is refused', async () => {
    expect(await runToExit({}, { args: ['--port=80'] })).toMatchObject({ code: 64, lines: [expect.stringMatching(/^unknown argument "--port=80"; .*--help/)] });
  });
});

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
