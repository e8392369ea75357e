import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJsonChild, SERVER_SCRIPT, startTarget } from './procs';
import { SWITCHBOARD, type ScenarioContext } from './scenarios';
import type { ReplySink } from './sink';

/**
 * The processing side alone: `updates` Telegram updates already stored (fill.ts, mode 'backlog':
 * as the receiving thread stores them, nothing processed), then the real server started on that
 * DATA_DIR with the echo bot, timed until every update's echo has reached the fake Bot API. No load
 * generator runs meanwhile, so the figure moves less with the machine than scenario c's and says
 * what a deployment sees when it works through a backlog (after an outage, or a burst it acked
 * faster than it answers). Reported: replies/s and the server's CPU per reply (both threads).
 */
export interface BacklogResult {
  updates: number;
  seconds: number;
  repliesPerS: number;
  cpuUsPerReply: number;
  duplicates: number;
}

export async function runBacklog(ctx: ScenarioContext, sink: ReplySink, updates: number, out: (s: string) => void, run = 1): Promise<BacklogResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-backlog-'));
  try {
    await runJsonChild('bench/fill.ts', 'BENCH_FILL', { dataDir, messages: updates, conversations: 10_000, mode: 'backlog' });
    sink.reset();
    const env = { ...SWITCHBOARD.switchboardEnv(ctx, 'telegram'), DATA_DIR: dataDir };
    const started = performance.now();
    const target = await startTarget(SERVER_SCRIPT, env, join(ctx.runDir, `backlog-${run}.log`), ctx.nodeArgs);
    try {
      const deadline = Date.now() + 300_000;
      while (sink.received < updates && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const seconds = (performance.now() - started) / 1000;
      const cpuMs = target.cpuMs();
      if (sink.received < updates) throw new Error(`backlog: ${sink.received} of ${updates} replies after 300 s; see ${target.logFile}`);
      const result = { updates, seconds, repliesPerS: updates / seconds, cpuUsPerReply: (cpuMs * 1000) / updates, duplicates: sink.duplicates };
      out(
        `  run ${run}: ${updates.toLocaleString('en')} stored updates answered in ${seconds.toFixed(2)} s (start-up included): ` +
          `${result.repliesPerS.toFixed(0)} replies/s, ${result.cpuUsPerReply.toFixed(0)} µs CPU per reply, duplicates ${result.duplicates}`,
      );
      return result;
    } finally {
      await target.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
