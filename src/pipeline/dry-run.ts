import type { BotRuntime } from '../bots/runtime';
import type { Config } from '../config/env';
import type { ProviderAdapter } from '../providers/types';
import type { DeliveryStatus, Dispatch, NewOutbound, Store } from '../store/types';
import { normalizeDelivery } from './normalize-delivery';

/** A reply a bot would send, caught before the outbox. */
export interface CapturedReply {
  deliveryId: number;
  dispatchId: number;
  bot: string;
  provider: string;
  /** The stored conversation it would go to, or the provider's reference for a send to a new one. */
  conversation: { id: number } | { provider: string; externalId: string };
  text: string | undefined;
  media?: string;
}

export interface DryRunOutcome {
  id: number;
  provider: string | undefined;
  status: DeliveryStatus | 'missing';
  replies: CapturedReply[];
  /** What happened in one line, for a delivery that produced no reply. */
  note?: string;
}

/**
 * A replay with the outbox diverted: the bot runs a processed delivery asked for run again with
 * the running code and bots, and what they would send is returned instead of enqueued. Nothing is
 * written: no outbox row, no bot state, no status change. A quarantined delivery has no stored
 * messages to run bots on yet, so it is only normalized: the outcome says whether the running code
 * reads it now and how many events a real replay would store.
 */
export async function dryRunReplay(
  store: Store,
  runtime: BotRuntime,
  adapters: Map<string, ProviderAdapter>,
  config: Config,
  ids: number[],
): Promise<DryRunOutcome[]> {
  const out: DryRunOutcome[] = [];
  // The bot runs of the whole batch in one read, in their order, grouped by delivery.
  const dispatches = new Map<number, Dispatch[]>();
  for (const d of await store.dispatchesOf(ids)) if (d.deliveryId !== null) dispatches.set(d.deliveryId, [...(dispatches.get(d.deliveryId) ?? []), d]);
  for (const id of ids) {
    const d = await store.getDelivery(id);
    if (!d) {
      out.push({ id, provider: undefined, status: 'missing', replies: [], note: 'no such delivery' });
      continue;
    }
    const base = { id, provider: d.provider, status: d.status, replies: [] as CapturedReply[] };
    if (d.prunedAt) {
      out.push({ ...base, note: 'its payload was pruned by retention; nothing to replay' });
      continue;
    }
    if (d.status !== 'processed') {
      const result = normalizeDelivery({ id, provider: d.provider, key: d.key, payload: d.payload, receivedAt: d.receivedAt }, adapters, config);
      out.push({
        ...base,
        note:
          'error' in result
            ? `still unreadable: ${result.error}`
            : `readable now: a replay would store ${result.events.length} event(s) and run the bots on them`,
      });
      continue;
    }
    for (const dispatch of dispatches.get(id) ?? []) {
      const done = await runtime.run(dispatch);
      for (const o of done.outbound) base.replies.push(capture(id, dispatch.id, o));
    }
    out.push(base.replies.length > 0 ? base : { ...base, note: 'no bot would reply' });
  }
  return out;
}

function capture(deliveryId: number, dispatchId: number, o: NewOutbound): CapturedReply {
  return {
    deliveryId,
    dispatchId,
    bot: String(o.meta?.bot ?? o.authorName ?? ''),
    provider: o.provider ?? ('provider' in o.conversation ? o.conversation.provider : ''),
    conversation: 'id' in o.conversation ? { id: o.conversation.id } : { provider: o.conversation.provider, externalId: o.conversation.externalId },
    text: o.message.text,
    media: o.message.media?.url,
  };
}
