import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, freePort, tempDir } from '../helpers/process';

/**
 * `npm start` as a supervisor, a script or a container runtime runs it: the pid it holds is npm's
 * (or, in a container, npm is PID 1). A SIGTERM to that pid must stop the server, drained, and not
 * leave it running orphaned (npm forwards the signal to its script's shell; the script `exec`s node
 * so that shell is the server).
 */
const root = join(import.meta.dirname, '..', '..');
const dir = tempDir('switchboard-22-npm-');
afterAll(() => dir.remove());

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Start `command` (npm start, possibly wrapped), wait for /healthz; returns the child and its output so far. */
async function startNpm(command: string[], data: string): Promise<{ child: ChildProcess; port: number; out: () => string; exited: Promise<number | null> }> {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), DATA_DIR: data, LOG_LEVEL: 'info' };
  const child = spawn(command[0]!, command.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 25_000);
  return { child, port, out: () => out, exited };
}

async function expectDrainedStop(run: Awaited<ReturnType<typeof startNpm>>, data: string, signalled: number) {
  // The server's own pid, from its DATA_DIR lock: it must be gone too, not orphaned.
  const serverPid = Number(readFileSync(join(data, 'switchboard.pid'), 'utf8'));
  expect(serverPid).not.toBe(signalled);
  const t0 = Date.now();
  process.kill(signalled, 'SIGTERM');
  await eventually(async () => (await portIsFree(run.port)) && !alive(serverPid), 10_000);
  expect(Date.now() - t0).toBeLessThan(10_000);
  await run.exited;
  expect(run.out()).toMatch(/SIGTERM received; draining in-flight work/);
  expect(run.out()).toMatch(/"message":"stopped"/);
}

describe('npm start and signals (real npm, real process)', () => {
  it('kill -TERM of the pid npm start reports stops the server, drained, within 10 s', async () => {
    const data = join(dir.path, 'plain');
    const run = await startNpm(['npm', 'start'], data);
    try {
      await expectDrainedStop(run, data, run.child.pid!);
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  // A container runtime sends SIGTERM to PID 1: here npm, in a PID namespace of its own.
  const canUnshare = spawnSync('unshare', ['-fp', '--mount-proc', 'true']).status === 0;
  it.skipIf(!canUnshare)('and when npm is PID 1 of a container (unshare --pid)', async () => {
    const data = join(dir.path, 'pid1');
    const run = await startNpm(['unshare', '-fp', '--mount-proc', 'npm', 'start'], data);
    try {
      // unshare's child is npm, PID 1 inside the namespace.
      const npmPid = Number(
        execFileSync('pgrep', ['-P', String(run.child.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n')[0],
      );
      expect(execFileSync('ps', ['-o', 'args=', '-p', String(npmPid)], { encoding: 'utf8' })).toMatch(/npm/);
      expect(readFileSync(join(data, 'switchboard.pid'), 'utf8').trim()).not.toBe(''); // the server's pid inside the namespace
      const t0 = Date.now();
      process.kill(npmPid, 'SIGTERM');
      await eventually(async () => portIsFree(run.port), 10_000);
      expect(Date.now() - t0).toBeLessThan(10_000);
      await run.exited;
      expect(run.out()).toMatch(/SIGTERM received; draining in-flight work/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
