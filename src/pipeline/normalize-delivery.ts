import { ZodError } from 'zod';
import { describeZodError } from '../base/zod';
import type { Config } from '../config/env';
import type { NormalizedEvent } from '../model';
import type { ProviderAdapter } from '../providers/types';
import type { AppliedDelivery, StoredDelivery } from '../store/types';

/**
 * One stored delivery through its provider's normalize, for processing and for replay alike. What
 * normalize cannot read becomes the quarantine reason (the zod path and message), never a throw.
 * Messages of a delivery a catch-up poller found are marked recovered, with how late they were.
 */
export function normalizeDelivery(d: StoredDelivery, adapters: Map<string, ProviderAdapter>, config: Config): AppliedDelivery {
  const adapter = adapters.get(d.provider);
  if (!adapter) return { deliveryId: d.id, provider: d.provider, error: `provider ${d.provider} is not enabled` };
  try {
    const events = adapter.normalize(d.payload, { config, receivedAt: d.receivedAt });
    return { deliveryId: d.id, provider: d.provider, events: d.recovered ? events.map((e) => markRecovered(e, d.receivedAt)) : events };
  } catch (err) {
    return { deliveryId: d.id, provider: d.provider, error: quarantineReason(err) };
  }
}

export function quarantineReason(err: unknown): string {
  if (err instanceof ZodError) return describeZodError(err);
  return String((err as Error)?.message ?? err);
}

function markRecovered(e: NormalizedEvent, receivedAt: string): NormalizedEvent {
  if (e.type !== 'message') return e;
  const lateMs = Math.max(0, Date.parse(receivedAt) - Date.parse(e.sentAt)) || 0;
  return { ...e, meta: { ...e.meta, recovered: { lateMs } } };
}
