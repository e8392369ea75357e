import { loadConfig } from '../src/config/env';
import { deliveryKey } from '../src/providers/telegram/normalize';
import { wamm } from '../src/providers/wamm';
import { createSqliteStore } from '../src/store/sqlite';
import { bodyFor } from './bodies';

/**
 * Fills a SQLite DATA_DIR with `messages` stored messages through the store's own calls, as the
 * pipeline makes them: appendDeliveries (the raw WAMM webhook bodies) then applyDeliveries (the
 * WAMM adapter's real normalize output), 1,000 per transaction. Run as a child process by rss.ts;
 * prints {seconds, messages} as one JSON line. The dispatches are then marked done, as they would
 * be on a server that has answered all of them, so the server started on this directory afterwards
 * has history to hold, not a backlog to work through. With mode 'backlog' it stores Telegram
 * updates as received (appendDeliveries only) for backlog.ts to time their processing.
 */
interface FillSpec {
  dataDir: string;
  messages: number;
  conversations: number;
  /** 'backlog': Telegram updates stored as received and not processed yet (backlog.ts). 'old': processed deliveries with their raw bodies, received `ageDays` ago (prune.ts). */
  mode?: 'history' | 'backlog' | 'old';
  ageDays?: number;
}

async function fill(spec: FillSpec) {
  const started = Date.now();
  const store = createSqliteStore(spec.dataDir);
  await store.migrate();
  if (spec.mode === 'backlog' || spec.mode === 'old') {
    // As the receiving thread stores them: raw bodies under Telegram's dedupe key, nothing applied.
    const receivedAt = new Date(Date.now() - (spec.ageDays ?? 0) * 86_400_000).toISOString();
    for (let seq = 1; seq <= spec.messages; seq += 1000) {
      const n = Math.min(1000, spec.messages - seq + 1);
      const updates = Array.from(
        { length: n },
        (_, i) => JSON.parse(bodyFor('telegram', seq + i, 1 + ((seq + i) % spec.conversations), 0)) as { update_id: number },
      );
      const raw = (u: { update_id: number }) => ({
        key: `req:${u.update_id}`,
        provider: 'telegram',
        contentType: 'application/json',
        headers: { 'user-agent': 'bench' },
        body: JSON.stringify(u),
        receivedAt,
      });
      await store.appendDeliveries(
        updates.map((u) => ({
          provider: 'telegram',
          key: deliveryKey(u),
          payload: u,
          receivedAt,
          requestKey: spec.mode === 'old' ? `req:${u.update_id}` : undefined,
        })),
        spec.mode === 'old' ? updates.map(raw) : undefined,
      );
    }
    // Old deliveries answered long ago: processed (their messages are not what retention touches).
    if (spec.mode === 'old') await store.db.run("UPDATE deliveries SET status = 'processed' WHERE status = 'pending'");
    await store.close();
    return { seconds: (Date.now() - started) / 1000, messages: spec.messages };
  }
  const config = loadConfig({ WAMM_WEBHOOK_SECRET: 'fill' });
  const batch = 1000;
  for (let seq = 1; seq <= spec.messages; seq += batch) {
    const n = Math.min(batch, spec.messages - seq + 1);
    const receivedAt = new Date().toISOString();
    const payloads = Array.from({ length: n }, (_, i) => JSON.parse(bodyFor('wamm', seq + i, 1 + ((seq + i) % spec.conversations), 0)));
    const outcomes = await store.appendDeliveries(payloads.map((p, i) => ({ provider: 'wamm', key: `msg:${seq + i}`, payload: p, receivedAt })));
    await store.applyDeliveries(outcomes.map((o, i) => ({ deliveryId: o.id!, provider: 'wamm', events: wamm.normalize(payloads[i], { config, receivedAt }) })));
    const done = seq + n - 1;
    if (done % 100_000 === 0 && done < spec.messages)
      process.stderr.write(
        `progress ${done.toLocaleString('en')} / ${spec.messages.toLocaleString('en')} messages stored (${Math.round((Date.now() - started) / 1000)} s)\n`,
      );
  }
  await store.db.run("UPDATE dispatches SET status = 'done' WHERE status = 'pending'");
  await store.close();
  return { seconds: (Date.now() - started) / 1000, messages: spec.messages };
}

if (process.env.BENCH_FILL) {
  fill(JSON.parse(process.env.BENCH_FILL) as FillSpec).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`fill failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
