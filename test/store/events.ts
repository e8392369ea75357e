import type { MessageEvent, NormalizedEvent } from '../../src/model';
import type { Store } from '../../src/store/types';

/** Small builders for normalized events, so store tests read as what happened. */
export const PROVIDER = 'fake';

export function message(id: number, text: string, extra: Partial<MessageEvent> = {}): MessageEvent {
  return {
    type: 'message',
    conversation: { provider: PROVIDER, externalId: 'chat-1', title: 'Chat one', address: { phone: '100' } },
    externalId: `m${id}`,
    direction: 'inbound',
    author: { externalId: 'u1', name: 'Ann', role: 'user' },
    kind: 'text',
    text,
    sentAt: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
    status: 'received',
    orderKey: id,
    dispatch: true,
    ...extra,
  };
}

let deliverySeq = 0;

/** Store one delivery and apply its events, as the processor does. */
export async function deliver(store: Store, events: NormalizedEvent[], key = `d${++deliverySeq}-${Math.random()}`) {
  const [outcome] = await store.appendDeliveries([{ provider: PROVIDER, key, payload: { events }, receivedAt: new Date().toISOString() }]);
  if (!outcome!.id) return { duplicate: true, dispatches: 0 };
  const stats = await store.applyDeliveries([{ deliveryId: outcome!.id, provider: PROVIDER, events }]);
  return { duplicate: false, deliveryId: outcome!.id, dispatches: stats.dispatches, stats };
}
