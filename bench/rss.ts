import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load';
import { runJsonChild, SERVER_SCRIPT, startTarget } from './procs';
import { SWITCHBOARD, switchboardProvider, type ScenarioContext } from './scenarios';

/**
 * Memory with a large history: fill a DATA_DIR with `messages` stored messages (fill.ts: the
 * store's appendDeliveries + applyDeliveries in batches of 1,000, in a separate process), start
 * the real server on it, put it under the echo load for a few seconds, read the admin API, and
 * report the server process's RSS (now and peak) from /proc.
 */
export async function runRss(ctx: ScenarioContext, messages: number, out: (s: string) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-rss-'));
  try {
    out('');
    out(`RSS with ${messages.toLocaleString('en')} stored messages: filling through the store's appendDeliveries + applyDeliveries (batches of 1,000)…`);
    const filled = await runJsonChild<{ seconds: number }>('bench/fill.ts', 'BENCH_FILL', { dataDir, messages, conversations: 10_000 }, {}, (line) =>
      out(`  ${line}`),
    );
    const dbMb = statSync(join(dataDir, 'switchboard.db')).size / 2 ** 20;
    const provider = switchboardProvider();
    const admin = 'bench-admin-token';
    const env = { ...SWITCHBOARD.switchboardEnv(ctx, 'wamm'), ...SWITCHBOARD.switchboardEnv(ctx, provider), DATA_DIR: dataDir, ADMIN_TOKEN: admin };
    const target = await startTarget(SERVER_SCRIPT, env, join(ctx.runDir, 'rss.log'), ctx.nodeArgs);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const idle = target.rss();
      const spec: LoadSpec = {
        url: `${target.url}/webhooks/${provider}/${SWITCHBOARD.secret}`,
        headers: provider === 'telegram' ? { 'x-telegram-bot-api-secret-token': SWITCHBOARD.secret } : {},
        body: provider,
        connections: 40,
        warmupS: 0,
        durationS: Number(process.env.BENCH_DURATION ?? 10),
        chats: 1000,
        seqStart: messages + 1,
      };
      const load = await runJsonChild<LoadResult>('bench/load.ts', 'BENCH_LOAD', spec);
      const auth = { headers: { authorization: `Bearer ${admin}` } };
      const { conversations } = (await (await fetch(`${target.url}/api/conversations`, auth)).json()) as { conversations: { id: number }[] };
      await (await fetch(`${target.url}/api/conversations/${conversations[conversations.length - 1]!.id}/messages`, auth)).json();
      await (await fetch(`${target.url}/api/health`, auth)).json();
      const after = target.rss();
      const result = { messages, fillSeconds: filled.seconds, dbMb, idleRssMb: idle.rssMb, rssMb: after.rssMb, peakRssMb: after.peakMb, loadRps: load.rps };
      out(
        `  filled in ${filled.seconds.toFixed(0)} s, database ${dbMb.toFixed(0)} MiB; server RSS after start ${idle.rssMb.toFixed(0)} MB, ` +
          `after ${spec.durationS} s of echo load (${load.rps.toFixed(0)} req/s) and admin reads ${after.rssMb.toFixed(0)} MB, peak ${after.peakMb.toFixed(0)} MB (target <= 200 MB)`,
      );
      return result;
    } finally {
      await target.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
