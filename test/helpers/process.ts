import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The node arguments of `npm start` and `npm run cli`: the build in dist/ (test/helpers/build.ts
 * brings it up to date before the tests run). `SOURCES` is `npm run dev`: the TypeScript under tsx.
 */
export const SERVER = npmStartArgs();
export const CLI = [join(root, 'dist', 'src', 'cli', 'main.js')];
export const SOURCES = ['--import', 'tsx', join(root, 'src', 'main.ts')];

/** The node arguments of package.json's `start` script (its flags included), with the script's path made absolute. */
export function npmStartArgs(): string[] {
  const start: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  // `exec node …`: the shell npm runs the script in becomes node, so npm's signals reach the server.
  const [node, ...args] = start.replace(/^exec\s+/, '').split(/\s+/);
  if (node !== 'node') throw new Error(`package.json start script is not "exec node …": ${start}`);
  return args.map((a) => (a.startsWith('-') ? a : join(root, a)));
}

/** Start the real server process (`npm start`, or `npm run dev` with from: 'sources') and wait for it to listen. */
export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'switchboard-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** opts.port: the port to listen on (a restart that clients, e.g. a browser page, reconnect to); a free one otherwise. */
export async function startServer(env: Record<string, string>, opts: { cwd?: string; from?: 'build' | 'sources'; port?: number } = {}): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const logs: string[] = [];
  const child = spawn(process.execPath, opts.from === 'sources' ? SOURCES : SERVER, {
    cwd: opts.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  const onData = (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    logs.push(...lines);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${logs.join('\n')}${buffered}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${logs.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    child,
    logs,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode); // already gone (e.g. SIGKILLed)
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/**
 * Poll until fn returns a truthy value (for work that happens after the 200). The pause between
 * tries grows from 10 ms by half each time up to 100 ms: a condition met quickly is seen quickly,
 * and a long wait does not keep a core busy. (A fixed 25 ms made a test waiting on the admin API
 * 40 requests a second, ~3 ms of CPU each between fetch and the server: about a tenth of a core
 * per waiting test, in a suite that is CPU-bound.)
 */
export async function eventually<T>(fn: () => Promise<T | undefined | false | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let pause = 10; ; pause = Math.min(100, Math.round(pause * 1.5))) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, pause));
  }
}
