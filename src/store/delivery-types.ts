import type { NormalizedEvent } from '../model';

/**
 * The delivery log's records: what the receiver stores (a delivery, the request it came in), what
 * the log lists and shows, and what processing and replay make of a stored delivery.
 */

export interface NewDelivery {
  provider: string;
  key: string;
  payload: unknown;
  receivedAt: string;
  /** The request that carried it (its raw body is stored once per request); none for polled deliveries. */
  requestKey?: string;
  /** Stored by a catch-up poller: its webhook never came. */
  recovered?: boolean;
}

/** A webhook request as received: its raw body and the headers we keep (secrets removed). */
export interface NewRequest {
  key: string;
  provider: string;
  contentType: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
}

/** pending: stored, not normalized yet; quarantined: normalize could not read it (kept with the reason, replayable). */
export type DeliveryStatus = 'pending' | 'processed' | 'quarantined' | 'discarded';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'processed', 'quarantined', 'discarded'];

/** One row of the delivery log. */
export interface DeliverySummary {
  id: number;
  provider: string;
  key: string;
  status: DeliveryStatus;
  receivedAt: string;
  /** Why it is quarantined (the zod path and message). */
  reason: string | null;
  recovered: boolean;
  /** When retention dropped its payload and raw body (processed and older than DELIVERY_RETENTION_DAYS). */
  prunedAt: string | null;
}

export interface DeliveryRecord extends DeliverySummary {
  /** What normalize reads; null once pruned. */
  payload: unknown;
  /** The request it came in; null for polled deliveries and once pruned. */
  request: { contentType: string | null; headers: Record<string, string>; body: string } | null;
}

export interface DeliveryFilter {
  provider?: string;
  status?: DeliveryStatus;
  /** ISO: received at or after. */
  since?: string;
  limit: number;
  /** Cursor: only deliveries with a smaller id (the log is newest first). */
  beforeId?: number;
}

/** What replaying one delivery did. */
export interface ReplayOutcome {
  id: number;
  provider: string;
  before: DeliveryStatus;
  status: DeliveryStatus;
  reason: string | null;
  /** Events normalize produced now. */
  events: number;
  /** Bot runs those events started (0: everything in it was stored already). */
  dispatches: number;
  /** Its payload was pruned: nothing left to replay. */
  pruned?: boolean;
}

export interface AppendOutcome {
  /** The stored delivery id, or undefined when it was a duplicate. */
  id?: number;
  duplicate: boolean;
}

export interface StoredDelivery {
  id: number;
  provider: string;
  key: string;
  payload: unknown;
  receivedAt: string;
  recovered?: boolean;
}

/** The result of normalizing one stored delivery, applied by the store in one transaction. */
export type AppliedDelivery = { deliveryId: number; provider: string; events: NormalizedEvent[] } | { deliveryId: number; provider: string; error: string };
