import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load';
import { runJsonChild, SERVER_SCRIPT, startTarget } from './procs';
import { SWITCHBOARD, type ScenarioContext } from './scenarios';
import type { ReplySink } from './sink';

/**
 * Retention under load: `deliveries` processed deliveries with their raw bodies, 40 days old
 * (fill.ts, mode 'old'), then the real server started on that DATA_DIR (DELIVERY_RETENTION_DAYS=30)
 * under an open-loop echo load at `rate`. The first retention sweep starts 5 s after start and
 * prunes everything in batches; the same load on an empty store is the baseline. Reported: how
 * long pruning took, and the ack p50/p99 of the load with pruning running and without.
 */
export interface PruneResult {
  deliveries: number;
  pruned: number;
  pruneMs: number;
  rate: number;
  during: { rps: number; p50: number; p99: number; non2xx: number };
  baseline: { rps: number; p50: number; p99: number; non2xx: number };
}

async function loadOn(ctx: ScenarioContext, dataDir: string, rate: number, seconds: number, logFile: string) {
  const env = { ...SWITCHBOARD.switchboardEnv(ctx, 'telegram'), DATA_DIR: dataDir, LOG_LEVEL: 'info', DELIVERY_RETENTION_DAYS: '30' };
  const target = await startTarget(SERVER_SCRIPT, env, logFile, ctx.nodeArgs);
  try {
    const spec: LoadSpec = {
      url: `${target.url}/webhooks/telegram/${SWITCHBOARD.secret}`,
      headers: { 'x-telegram-bot-api-secret-token': SWITCHBOARD.secret },
      body: 'telegram',
      connections: 40,
      // The sweep starts 5 s after start: the measured window covers it.
      warmupS: 4,
      durationS: seconds,
      rate,
      chats: 1000,
      seqStart: 10_000_000,
    };
    const load = await runJsonChild<LoadResult>('bench/load.ts', 'BENCH_LOAD', spec);
    return { rps: load.rps, p50: load.ackMs.p50, p99: load.ackMs.p99, non2xx: load.non2xx };
  } finally {
    await target.stop();
  }
}

export async function runPrune(ctx: ScenarioContext, sink: ReplySink, deliveries: number, rate: number, out: (s: string) => void): Promise<PruneResult> {
  const seconds = Number(process.env.BENCH_PRUNE_SECONDS ?? 10);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-prune-'));
  const emptyDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-prune-base-'));
  try {
    out('');
    out(`Retention: ${deliveries.toLocaleString('en')} processed deliveries 40 days old, pruned while ${rate} webhooks/s arrive (DELIVERY_RETENTION_DAYS=30)…`);
    await runJsonChild('bench/fill.ts', 'BENCH_FILL', { dataDir, messages: deliveries, conversations: 10_000, mode: 'old', ageDays: 40 });
    sink.reset();
    const logFile = join(ctx.runDir, 'prune.log');
    const during = await loadOn(ctx, dataDir, rate, seconds, logFile);
    const line = readFileSync(logFile, 'utf8')
      .split('\n')
      .find((l) => l.includes('processed deliveries older than'));
    const meta = line ? (JSON.parse(line.slice(line.indexOf('{'))) as { pruned?: number; ms?: number }) : {};
    sink.reset();
    const baseline = await loadOn(ctx, emptyDir, rate, seconds, join(ctx.runDir, 'prune-baseline.log'));
    const result = { deliveries, pruned: meta.pruned ?? 0, pruneMs: meta.ms ?? Number.NaN, rate, during, baseline };
    out(
      `  pruned ${result.pruned.toLocaleString('en')} in ${(result.pruneMs / 1000).toFixed(1)} s under load; ack p50 / p99 ${during.p50.toFixed(2)} / ${during.p99.toFixed(2)} ms ` +
        `at ${during.rps.toFixed(0)} req/s (non-2xx ${during.non2xx}); the same load with nothing to prune: ${baseline.p50.toFixed(2)} / ${baseline.p99.toFixed(2)} ms`,
    );
    if (result.pruned !== deliveries) out(`  WARNING: expected ${deliveries} pruned; see ${logFile}`);
    return result;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
}
