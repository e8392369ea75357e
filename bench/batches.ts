import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDERS } from '../src/providers';
import { SERVER_SCRIPT, startTarget, type Target } from './procs';
import type { ScenarioContext } from './scenarios';
import { median, nowUs } from './stats';

/**
 * Large batches through the real server on SQLite (no bots, so only receiving and processing is
 * timed): a SuperViz batch of 1,000 events (time to the 200), and a Webinato batch of 1,000
 * messages (time to the 200, and until all 1,000 are readable through the admin API, i.e.
 * normalized and stored). Each is sent `warmup` times first (a server that has just started runs
 * its code unoptimized: those acks are reported apart, as the first after start), then `rounds`
 * times, all with fresh ids.
 */
const SECRET = 'bench-batch-secret-1234';
const ADMIN = 'bench-admin-token';

export interface BatchResult {
  provider: string;
  ackMs: number[];
  processedMs?: number[];
  /** The first batches after start, before the measured ones (not in ackMs). */
  coldAckMs?: number[];
  skipped?: string;
}

const has = (name: string) => PROVIDERS.some((p) => p.name === name);

function supervizBatch(round: number): string {
  const base = Date.parse('2026-11-21T08:00:00.000Z') + round * 1_000_000;
  return JSON.stringify(
    Array.from({ length: 1000 }, (_, i) => ({
      apiKey: 'bench-api-key',
      roomId: `bench-room-${round}`,
      channel: `bench-channel-${round}`,
      event: 'message',
      date: new Date(base + i).toISOString(),
      data: { text: `question ${round}-${i}` },
      presenceId: `p${i % 50}`,
      socketId: `socket-${i % 50}`,
    })),
  );
}

function webinatoBatch(round: number): string {
  const ts = Math.floor(Date.parse('2026-11-21T08:00:00Z') / 1000);
  const msgs = Array.from({ length: 1000 }, (_, i) => ({
    authorName: `Attendee ${i % 50}`,
    authorRole: i % 20 === 0 ? 2 : 1,
    ts: ts + round * 1000 + i,
    msgID: round * 1000 + i + 1,
    text: `message ${round}-${i}`,
  }));
  return new URLSearchParams({
    inquiry: 'realTimeChat',
    roomID: `bench-room-${round}`,
    sender: 'Webinato',
    batchNo: String(round + 1),
    msgsJSON: JSON.stringify(msgs),
  }).toString();
}

async function post(target: Target, provider: string, body: string, contentType: string): Promise<number> {
  const t = nowUs();
  const r = await fetch(`${target.url}/webhooks/${provider}/${SECRET}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  await r.text();
  if (r.status !== 200) throw new Error(`${provider} batch answered ${r.status}`);
  return (nowUs() - t) / 1000;
}

/** Messages readable in the admin API in the round's conversation (each round has its own room). */
async function messageCount(target: Target, provider: string, round: number): Promise<number> {
  const auth = { headers: { authorization: `Bearer ${ADMIN}` } };
  const { conversations } = (await (await fetch(`${target.url}/api/conversations?provider=${provider}`, auth)).json()) as {
    conversations: { id: number; externalId: string }[];
  };
  const mine = conversations.find((c) => new RegExp(`-${round}\\b`).test(c.externalId));
  if (!mine) return 0;
  const { messages } = (await (await fetch(`${target.url}/api/conversations/${mine.id}/messages?limit=10000`, auth)).json()) as { messages: unknown[] };
  return messages.length;
}

export async function runBatches(ctx: ScenarioContext, out: (s: string) => void, rounds = 10, warmup = 2): Promise<BatchResult[]> {
  out('');
  const results: BatchResult[] = [];
  const wanted = ['superviz', 'webinato'].filter((p) => {
    if (has(p)) return true;
    out(`${p} batch: skipped (the ${p} provider is not in this build)`);
    results.push({ provider: p, ackMs: [], skipped: 'provider not in this build' });
    return false;
  });
  if (wanted.length === 0) return results;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-batch-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, BOTS: '', LOG_LEVEL: ctx.logLevel };
  if (wanted.includes('superviz')) env.SUPERVIZ_WEBHOOK_SECRET = SECRET;
  if (wanted.includes('webinato')) env.WEBINATO_WEBHOOK_SECRET = SECRET;
  const target = await startTarget(SERVER_SCRIPT, env, join(ctx.runDir, 'batches.log'), ctx.nodeArgs);
  try {
    // Each batch waits until the previous one is processed, so every ack is timed alone.
    const measure = async (provider: 'superviz' | 'webinato', body: (round: number) => string, contentType: string) => {
      const ackMs: number[] = [];
      const processedMs: number[] = [];
      for (let round = 0; round < warmup + rounds; round++) {
        const t = nowUs();
        ackMs.push(await post(target, provider, body(round), contentType));
        while ((await messageCount(target, provider, round)) < 1000) await new Promise((r) => setTimeout(r, 5));
        processedMs.push((nowUs() - t) / 1000);
      }
      const result = { provider, coldAckMs: ackMs.slice(0, warmup), ackMs: ackMs.slice(warmup), processedMs: processedMs.slice(warmup) };
      results.push(result);
      return result;
    };
    if (wanted.includes('superviz')) {
      const { ackMs, processedMs, coldAckMs } = await measure('superviz', supervizBatch, 'application/json');
      out(`superviz batch of 1,000 events: ack ${fmt(ackMs)} (target <= 50 ms)${cold(coldAckMs)}; fully processed ${fmt(processedMs)}`);
    }
    if (wanted.includes('webinato')) {
      const { ackMs, processedMs, coldAckMs } = await measure('webinato', webinatoBatch, 'application/x-www-form-urlencoded');
      out(`webinato batch of 1,000 messages: ack ${fmt(ackMs)}${cold(coldAckMs)}; fully processed (readable in the admin API) ${fmt(processedMs)}`);
    }
  } finally {
    await target.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

const cold = (ms: number[]) => (ms.length > 0 ? `; the ${ms.length} first after start, before those: ${ms.map((m) => m.toFixed(1)).join(', ')} ms` : '');
const fmt = (ms: number[]) =>
  `median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over ${ms.length} batches (${ms.map((m) => m.toFixed(1)).join(', ')})`;
