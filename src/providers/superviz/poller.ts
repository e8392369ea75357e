import { startRounds } from '../rounds';
import type { ProviderRuntime } from '../types';
import type { SuperVizClient } from './client';
import { eventKey, fromHistory, PROVIDER } from './normalize';

/**
 * Catch-up for webhook deliveries that never arrived. SuperViz keeps each channel's last 250
 * events (GET /realtime/{channel}); a round reads that for every channel active in the last
 * ACTIVE_WINDOW_MS and ingests the events at or after the newest timestamp the previous round saw
 * (inclusive: several events can share a millisecond). They go in in the webhook's shape and under
 * the webhook's key, so an event seen both ways is stored once and answered once. More than 250
 * events missed between two rounds are lost: shorten SUPERVIZ_POLL_INTERVAL_MS for busy channels.
 */

export const ACTIVE_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_CHANNELS = 500;

export async function catchUpOnce(client: SuperVizClient, runtime: ProviderRuntime, now = Date.now()): Promise<{ channels: number; stored: number }> {
  const conversations = await runtime.recentConversations(new Date(now - ACTIVE_WINDOW_MS).toISOString(), MAX_CHANNELS);
  let stored = 0;
  for (const c of conversations) {
    if (runtime.signal.aborted) break;
    const channel = typeof c.address.channel === 'string' ? c.address.channel : c.externalId;
    const cursorKey = `channel:${channel}`;
    const since = Number((await runtime.getCursor(cursorKey)) ?? 0);
    const history = await client.history(channel);
    const events = fromHistory(channel, history).filter((e) => Date.parse(e.date) >= since);
    if (events.length === 0) continue;
    const r = await runtime.ingest(events.map((e) => ({ key: eventKey(e), payload: e, recovered: true })));
    stored += r.stored;
    await runtime.setCursor(cursorKey, String(Math.max(...events.map((e) => Date.parse(e.date)))));
  }
  return { channels: conversations.length, stored };
}

/** Catch-up now and every intervalMs while this instance is the leader. */
export function startPoller(client: SuperVizClient, runtime: ProviderRuntime, intervalMs: number): void {
  startRounds(runtime, intervalMs, 'SuperViz catch-up', async () => {
    const r = await catchUpOnce(client, runtime);
    if (r.stored > 0) runtime.log.info(`SuperViz catch-up stored ${r.stored} missed event(s)`, { provider: PROVIDER, ...r });
  });
}
