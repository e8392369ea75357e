import type { Config } from '../config/env';
import type { NormalizedEvent } from '../model';
import type { ProviderAdapter } from '../providers/types';
import type { ApplyStats, DeliveryRecord, ReplayOutcome, Store } from '../store/types';
import { normalizeDelivery } from './normalize-delivery';

/**
 * The delivery log's two actions beyond reading rows, shared by the admin API and the CLI: what a
 * delivery produced (its events and the conversations they went to) and replaying deliveries.
 */

export interface DeliveryEvent {
  type: NormalizedEvent['type'];
  externalId: string | null;
  /** The stored message a message event became (null: not stored, e.g. still quarantined). */
  messageId: number | null;
  conversation: { id: number; provider: string; externalId: string; title: string | null } | null;
}

/**
 * The events of a processed delivery. Normalize is pure, so running it again on the stored payload
 * gives the events applying it wrote; the store says where each went.
 */
export async function deliveryEvents(store: Store, adapters: Map<string, ProviderAdapter>, config: Config, d: DeliveryRecord): Promise<DeliveryEvent[]> {
  if (d.status !== 'processed' || d.prunedAt) return [];
  const result = normalizeDelivery({ id: d.id, provider: d.provider, key: d.key, payload: d.payload, receivedAt: d.receivedAt }, adapters, config);
  if ('error' in result) return [];
  const out: DeliveryEvent[] = [];
  for (const e of result.events) {
    const message = e.type === 'message' ? await store.findMessage(e.conversation.provider, e.externalId) : undefined;
    const conversation = message
      ? await store.getConversation(message.conversationId)
      : e.type === 'message' || e.type === 'session'
        ? await store.findConversation(e.conversation)
        : undefined;
    out.push({
      type: e.type,
      externalId: 'externalId' in e ? e.externalId : null,
      messageId: message?.id ?? null,
      conversation: conversation
        ? { id: conversation.id, provider: conversation.provider, externalId: conversation.externalId, title: conversation.title }
        : null,
    });
  }
  return out;
}

/** What a replay outcome means, in one line for people. */
export function describeReplay(o: ReplayOutcome): string {
  if (o.pruned) return `delivery ${o.id}: its payload was pruned by retention; nothing to replay`;
  if (o.status === 'quarantined') return `delivery ${o.id}: still quarantined (${o.reason})`;
  if (o.dispatches > 0) return `delivery ${o.id}: ${o.events} event(s), ${o.dispatches} new bot run(s)`;
  if (o.before === 'processed') return `delivery ${o.id}: already processed; replaying it changed nothing`;
  return `delivery ${o.id}: processed, ${o.events} event(s), nothing new for the bots`;
}

/**
 * Normalize the deliveries again with the running code and apply them through the same dedupe.
 * `onApplied` hands new bot runs to this process's dispatcher (a running server's own idle scan
 * finds them otherwise).
 */
export async function replayDeliveries(
  store: Store,
  adapters: Map<string, ProviderAdapter>,
  config: Config,
  ids: number[],
  onApplied?: (stats: ApplyStats) => void,
): Promise<ReplayOutcome[]> {
  const { outcomes, stats } = await store.replayDeliveries(ids, (d) => normalizeDelivery(d, adapters, config));
  if (stats.dispatches > 0) onApplied?.(stats);
  return outcomes;
}
