import { startRounds } from '../rounds';
import type { ProviderRuntime } from '../types';
import { MqttChatApiError, type MqttChatClient } from './client';
import { deliveryKey, PROVIDER } from './normalize';
import { readCallback } from './schema';

/**
 * Catch-up for message callbacks that never arrived (our downtime, a callback MQTT CHAT disabled).
 * The API only pages backwards per user, so polling every user is out of the question. Instead,
 * each round takes the users of conversations active in the last ACTIVE_WINDOW_MS (what the store
 * has seen) and walks each user's messages back from the newest until a page holds nothing new
 * (only messages already stored), or reaches one older than the window, or MAX_PAGES pages. So a
 * round where nothing was missed costs one request per active user. Results go through runtime.ingest() in
 * the webhook's own shape and key, so a message seen by both is stored once and answered once.
 */

export const ACTIVE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const PAGE_SIZE = 50;
export const MAX_PAGES = 10;
const MAX_CONVERSATIONS = 500;

export async function catchUpOnce(
  client: MqttChatClient,
  runtime: ProviderRuntime,
  now = Date.now(),
): Promise<{ users: number; stored: number; requests: number }> {
  const since = new Date(now - ACTIVE_WINDOW_MS).toISOString();
  const conversations = await runtime.recentConversations(since, MAX_CONVERSATIONS);
  const users = new Set<string>();
  for (const c of conversations) for (const u of c.externalId.split(':')) if (u) users.add(u);

  let stored = 0;
  let requests = 0;
  for (const user of users) {
    if (runtime.signal.aborted) break;
    try {
      const r = await catchUpUser(client, runtime, user, now);
      stored += r.stored;
      requests += r.requests;
    } catch (err) {
      // An answer about this user ({ok:false,error}, e.g. a deleted user) must not starve the others;
      // a transport failure (API down) ends the round, the next one retries.
      if (!(err instanceof MqttChatApiError)) throw err;
      requests++;
      runtime.log.warn(`MQTT CHAT catch-up for user ${user} failed; skipped this round`, { user, err: err.message });
    }
  }
  return { users: users.size, stored, requests };
}

async function catchUpUser(client: MqttChatClient, runtime: ProviderRuntime, user: string, now: number): Promise<{ stored: number; requests: number }> {
  let stored = 0;
  let requests = 0;
  let before: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const items = await client.userMessages(user, { limit: PAGE_SIZE, beforeMessageId: before });
    requests++;
    const deliveries = [];
    let reachedOld = false;
    let lowest = Infinity;
    for (const item of items) {
      const c = readCallback(item);
      if (!c.ok || c.value.kind !== 'message') {
        runtime.log.warn('MQTT CHAT catch-up: skipping a message the API returned in an unexpected shape', { user, error: c.ok ? 'not a message' : c.error });
        continue;
      }
      const m = c.value.body.message;
      lowest = Math.min(lowest, m.id);
      if (m.timestamp * 1000 < now - ACTIVE_WINDOW_MS) {
        reachedOld = true;
        continue;
      }
      deliveries.push({ key: deliveryKey(c.value), payload: item, recovered: true });
    }
    const r = deliveries.length ? await runtime.ingest(deliveries) : { stored: 0, duplicates: 0 };
    stored += r.stored;
    if ((r.stored === 0 && r.duplicates > 0) || reachedOld || items.length < PAGE_SIZE || !Number.isFinite(lowest)) break;
    before = lowest;
  }
  return { stored, requests };
}

/** Runs catchUpOnce now and every intervalMs while this instance is the leader, until runtime.signal aborts. */
export function startPoller(client: MqttChatClient, runtime: ProviderRuntime, intervalMs: number): void {
  startRounds(runtime, intervalMs, 'MQTT CHAT catch-up', async () => {
    const r = await catchUpOnce(client, runtime);
    if (r.stored > 0) runtime.log.info(`MQTT CHAT catch-up stored ${r.stored} missed message(s)`, { provider: PROVIDER, ...r });
  });
}
