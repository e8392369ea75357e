import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load';
import { runJsonChild } from './procs';
import { combine, machine, ratios, table, type Row } from './report';
import { postgresDatabases } from './postgres';
import { startScenario, switchboardProvider, TITLES, type ScenarioContext, type ScenarioId } from './scenarios';
import { ReplySink } from './sink';
import { summarizeProfiles } from './profile';

/**
 * `npm run bench`: the receivers one after another on this machine, the same load from a separate
 * process, one table. Settings (environment):
 *   BENCH_DURATION   seconds measured per run (default 10)       BENCH_WARMUP   seconds before (default 2)
 *   BENCH_CONNECTIONS concurrent connections (default 40, Telegram's default max_connections)
 *   BENCH_REPEAT     runs per scenario, interleaved (default 1)  BENCH_SCENARIOS  e.g. a,b,c,d (default all)
 *   BENCH_CHATS      conversations the updates are spread over (default 10000: Switchboard keeps
 *                    Telegram's 1 message/s per chat, so fewer chats would measure that pacing)
 *   BENCH_TELEGRAM_PER_SECOND  Switchboard's TELEGRAM_MAX_SENDS_PER_SECOND (default 1000000: the fake has no cap)
 *   BENCH_HALF_RATE  1 (default) = also run c and d at half their peak rate (open loop) for the ack p99
 *                    target, and a and b at c's half rate for comparison
 *   BENCH_EXTRAS     batch,rss,backlog,prune,knowledge,console,slowloris (default all; empty = none)   BENCH_RSS_MESSAGES (default 1000000)
 *                    console: the operator console's JS (gzip) and time to usable with BENCH_CONSOLE_CONVERSATIONS
 *                    (default 10000) / BENCH_CONSOLE_MESSAGES (default 1000000), in Debian's headless Chromium
 *                    backlog: BENCH_BACKLOG_UPDATES (default 20000) stored updates answered by a fresh server
 *                    knowledge: brute-force search over 1,000-50,000 chunks of 1,536 dimensions
 *                    prune: BENCH_PRUNE_DELIVERIES (default 100000) old deliveries pruned under BENCH_PRUNE_RATE (1000) webhooks/s
 *                    slowloris: ack p99 at BENCH_SLOWLORIS_RATE (200/s) for BENCH_SLOWLORIS_SECONDS (60), alone and with
 *                    BENCH_SLOWLORIS_CONNECTIONS (300) slow connections held
 *   BENCH_PROFILE    1 = run Switchboard with --cpu-prof and print its top self-time functions
 *   BENCH_LOG_LEVEL  Switchboard's LOG_LEVEL (default info, as shipped)
 *   BENCH_DRAIN      most seconds to wait after the load for the remaining replies (default 60)
 *   BENCH_SERVER_ENV JSON object of extra environment for Switchboard, e.g. '{"LOG_LEVEL":"warn"}'
 *   BENCH_OUT        also write the results as JSON to this file
 *   BENCH_SERVER     what runs as Switchboard: 'build' (dist/src/main.js, as `npm start`; default) or
 *                    'sources' (src/main.ts under tsx, as `npm run dev`)
 *   BENCH_RATE       requests/s, open loop, for every run instead of the closed-loop peak (to compare
 *                    latency at one load; the half-rate runs then measure half of it)
 *   BENCH_NODE_ARGS  node flags for Switchboard, e.g. '--max-old-space-size=128' (some are refused in NODE_OPTIONS)
 */
const env = process.env;
const num = (name: string, def: number) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : def);
const settings = {
  durationS: num('BENCH_DURATION', 10),
  warmupS: num('BENCH_WARMUP', 2),
  connections: num('BENCH_CONNECTIONS', 40),
  repeat: num('BENCH_REPEAT', 1),
  chats: num('BENCH_CHATS', 10000),
  scenarios: (env.BENCH_SCENARIOS ?? 'a,b,c,d').split(',').filter(Boolean) as ScenarioId[],
  halfRate: env.BENCH_HALF_RATE !== '0',
  extras: (env.BENCH_EXTRAS ?? 'batch,rss,backlog,prune,knowledge,console,slowloris').split(',').filter(Boolean),
  profile: env.BENCH_PROFILE === '1',
  logLevel: env.BENCH_LOG_LEVEL ?? 'info',
  drainS: num('BENCH_DRAIN', 60),
  nodeArgs: (env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  /** A fixed open-loop rate for every run instead of the closed-loop peak (A/B of latency at one load). */
  rate: env.BENCH_RATE ? num('BENCH_RATE', 0) : undefined,
};

const out = (s: string) => process.stdout.write(`${s}\n`);

async function measure(id: ScenarioId, ctx: ScenarioContext, sink: ReplySink, run: number, rate?: number): Promise<Row> {
  sink.reset();
  const s = await startScenario(id, ctx, run);
  try {
    const spec: LoadSpec = {
      url: `${s.target.url}${s.path}`,
      headers: s.headers,
      body: s.body,
      connections: settings.connections,
      warmupS: settings.warmupS,
      durationS: settings.durationS,
      rate,
      chats: settings.chats,
      seqStart: 1,
    };
    const cpuBefore = s.target.cpuMs();
    const load = await runJsonChild<LoadResult>('bench/load.ts', 'BENCH_LOAD', spec);
    let missing: number | undefined;
    if (s.replies) {
      // Wait for the echoes of everything acknowledged in the window (the backlog is part of the latency).
      // Bounded: a pipeline far behind is reported with its missing replies, not waited for.
      let last = -1;
      let lastChange = Date.now();
      const giveUp = Date.now() + settings.drainS * 1000;
      for (;;) {
        const got = sink.repliesTo(load.windowStartUs, load.windowEndUs);
        if (got >= load.acceptedInWindow) break;
        if (got !== last) [last, lastChange] = [got, Date.now()];
        if (Date.now() - lastChange > 10_000 || Date.now() > giveUp) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      missing = Math.max(0, load.acceptedInWindow - sink.repliesTo(load.windowStartUs, load.windowEndUs));
    }
    const rep = s.replies ? sink.report(load.windowStartUs, load.windowEndUs) : undefined;
    // CPU the receiver spent per request, all of its work for the request included (replies sent,
    // backlog drained): unlike requests/s it barely depends on what else the machine is running.
    const cpuMsPerReq = (s.target.cpuMs() - cpuBefore) / load.sent;
    return {
      id,
      title: TITLES[id],
      rate,
      rps: load.rps,
      ackMs: load.ackMs,
      replyMs: rep?.latencyMs,
      repliesPerS: rep?.repliesPerS,
      missing,
      duplicates: s.replies ? sink.duplicates : undefined,
      non2xx: load.non2xx,
      socketErrors: load.socketErrors,
      rssMb: s.target.rss().rssMb,
      cpuMsPerReq,
    };
  } finally {
    await s.cleanup();
  }
}

async function main() {
  // Switchboard runs as `npm start` does: the build in dist/, brought up to date first.
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed; fix the build before benchmarking');
  const runDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-run-'));
  const profDir = join(runDir, 'profiles');
  if (settings.profile) mkdirSync(profDir);
  const sink = await new ReplySink().start();
  const pg = settings.scenarios.includes('d') ? await postgresDatabases() : undefined;
  const ctx: ScenarioContext = {
    sinkUrl: sink.url,
    runDir,
    nodeArgs: [...settings.nodeArgs, ...(settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
    logLevel: settings.logLevel,
    createDatabase: pg?.create,
  };
  for (const line of machine()) out(line);
  out(
    `command: npm run bench (duration ${settings.durationS}s + ${settings.warmupS}s warm-up, ${settings.connections} connections, ${settings.chats} chats, ` +
      `${settings.repeat} run(s) each; Switchboard workload: ${switchboardProvider()} echo; logs in ${runDir})`,
  );
  const scenarios = settings.scenarios.filter((id) => {
    if (id === 'd' && !pg?.create) {
      out(`(d) skipped: ${pg?.reason ?? 'not requested'}`);
      return false;
    }
    return true;
  });

  const rows = new Map<string, Row[]>();
  const add = (key: string, row: Row) => rows.set(key, [...(rows.get(key) ?? []), row]);
  for (let run = 1; run <= settings.repeat; run++) {
    for (const id of scenarios) {
      try {
        const row = await measure(id, ctx, sink, run, settings.rate);
        add(id, row);
        out(
          `  run ${run} ${TITLES[id]}: ${row.rps.toFixed(0)} req/s, ack p99 ${row.ackMs.p99.toFixed(2)} ms, CPU ${(row.cpuMsPerReq * 1000).toFixed(0)} µs/req` +
            (row.repliesPerS !== undefined ? `, ${row.repliesPerS.toFixed(0)} replies/s, reply p99 ${row.replyMs?.p99.toFixed(1)} ms` : ''),
        );
      } catch (err) {
        out(`  run ${run} ${TITLES[id]}: failed: ${(err as Error).message}`);
        if (id === 'd') break;
      }
    }
  }
  const combined = new Map([...rows].map(([k, v]) => [k, combine(v)]));
  if (settings.halfRate) {
    for (const id of ['c', 'd'] as const) {
      const peak = combined.get(id);
      if (!peak) continue;
      const rate = Math.max(1, Math.round(peak.rps / 2));
      const half: Row[] = [];
      for (let run = 1; run <= settings.repeat; run++) half.push(await measure(id, ctx, sink, 100 + run, rate));
      combined.set(`${id}@half`, { ...combine(half), rate });
    }
    // The same open-loop rate through the bare receivers: how much of the tail is the machine and
    // the load generator sharing two cores, not the receiver.
    const c = combined.get('c@half');
    for (const id of (['a', 'b'] as const).filter((x) => c && settings.scenarios.includes(x))) {
      const same: Row[] = [];
      for (let run = 1; run <= settings.repeat; run++) same.push(await measure(id, ctx, sink, 200 + run, c!.rate));
      combined.set(`${id}@c-half`, { ...combine(same), rate: c!.rate });
    }
  }

  out('');
  out(table([...combined.values()]));
  for (const line of ratios(combined)) out(line);
  const extras: Record<string, unknown> = {};
  if (settings.extras.includes('batch')) extras.batches = await (await import('./batches')).runBatches(ctx, out);
  if (settings.extras.includes('backlog')) {
    const n = num('BENCH_BACKLOG_UPDATES', 20_000);
    out('');
    out(`Backlog: ${n.toLocaleString('en')} Telegram updates stored, then the server started on them with the echo bot (processing alone, no load)…`);
    const { runBacklog } = await import('./backlog');
    const runs = [];
    for (let run = 1; run <= settings.repeat; run++) runs.push(await runBacklog(ctx, sink, n, out, run));
    const median = <T>(xs: T[], key: (x: T) => number) => xs.map(key).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    out(
      `  median of ${runs.length}: ${median(runs, (r) => r.repliesPerS).toFixed(0)} replies/s, ${median(runs, (r) => r.cpuUsPerReply).toFixed(0)} µs CPU per reply`,
    );
    extras.backlog = runs;
  }
  if (settings.extras.includes('knowledge')) extras.knowledge = (await import('./knowledge')).runKnowledge(out);
  if (settings.extras.includes('prune')) {
    extras.prune = await (await import('./prune')).runPrune(ctx, sink, num('BENCH_PRUNE_DELIVERIES', 100_000), num('BENCH_PRUNE_RATE', 1000), out);
  }
  if (settings.extras.includes('slowloris')) extras.slowloris = await (await import('./slowloris')).runSlowloris(ctx, out);
  if (settings.extras.includes('rss')) extras.rss = await (await import('./rss')).runRss(ctx, num('BENCH_RSS_MESSAGES', 1_000_000), out);
  if (settings.extras.includes('console'))
    extras.console = await (await import('./console')).runConsoleBench(out, {
      messages: num('BENCH_CONSOLE_MESSAGES', 1_000_000),
      conversations: num('BENCH_CONSOLE_CONVERSATIONS', 10_000),
      runDir: ctx.runDir,
    });
  if (settings.profile) for (const line of summarizeProfiles(profDir, 25)) out(line);
  if (env.BENCH_OUT)
    writeFileSync(
      env.BENCH_OUT,
      JSON.stringify({ settings, machine: machine(), rows: Object.fromEntries(rows), combined: Object.fromEntries(combined), extras }, null, 2),
    );
  await sink.stop();
  await pg?.close();
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
