/**
 * What the outbox records for one send before its request goes out (outbox.send_ref and
 * known_order_key, migration 005), so that after a crash the provider can be asked whether that
 * very send arrived without comparing anybody's clock.
 */
export interface SendAttempt {
  /** Our reference for this attempt; providers that carry it (SuperViz: data.ref) publish it. */
  ref: string;
  /** The conversation's highest order key we knew when the send started (WAMM: msg_id, which only grows). */
  knownOrderKey?: number;
}

/** What recovery knows about an interrupted send (recovery.ts → ProviderClient.confirm). */
export interface InterruptedSend {
  /** When the attempt started (our clock; only the time-based WAMM check uses it). */
  since: string;
  /** Absent for sends claimed before migration 005. */
  attempt?: SendAttempt;
  /** Provider ids of this conversation's replies already matched to other outbox items: never matched twice. */
  taken: ReadonlySet<string>;
}
