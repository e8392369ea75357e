import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { freePort, npmStartArgs } from '../test/helpers/process';

/** Child processes of a bench run: the server under test and the load generator. */

/**
 * What `npm start` runs, its node flags included (bench/run.ts builds it first), or with
 * BENCH_SERVER=sources `npm run dev`.
 */
export const SERVER_SCRIPT = process.env.BENCH_SERVER === 'sources' ? 'src/main.ts' : 'npm start';

export interface Target {
  url: string;
  child: ChildProcess;
  logFile: string;
  /** Resident set size now and at its peak (VmHWM), in MiB, read from /proc. */
  rss(): { rssMb: number; peakMb: number };
  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Start `node [nodeArgs] <script>` (a .ts script under tsx; `npm start`: its script and flags) with its
 * output in logFile; resolve once it answers HTTP.
 */
export async function startTarget(script: string, env: Record<string, string>, logFile: string, nodeArgs: string[] = []): Promise<Target> {
  const port = await freePort();
  const fd = openSync(logFile, 'a');
  const args = script === 'npm start' ? npmStartArgs() : [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script];
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      await fetch(`${url}/healthz`);
      break; // any HTTP answer means it listens
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    logFile,
    rss: () => rssOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    stop: () => stopChild(child),
  };
}

export function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Run a tsx script as a child, pass it JSON in an env variable, and parse the JSON line it prints. */
/** `progress …` lines the child writes to stderr go to onProgress as they come (long fills). */
export function runJsonChild<T>(
  script: string,
  envName: string,
  input: unknown,
  extraEnv: Record<string, string> = {},
  onProgress?: (line: string) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { PATH: process.env.PATH, ...extraEnv, [envName]: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    let partial = '';
    child.stderr!.on('data', (d) => {
      err += d;
      if (!onProgress) return;
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.startsWith('progress ')) onProgress(l.slice('progress '.length));
    });
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${script} printed no result: ${out.slice(-500)} ${err.slice(-500)}`));
      }
    });
  });
}
