/**
 * What each provider folder gives the contract suite (test/contract/providers.test.ts).
 * Every provider has test/fixtures/<name>/index.ts exporting `contract: ProviderContract`.
 * Adding a seventh provider: its folder in src/providers/, one line in src/providers/index.ts,
 * and its fixtures file here; the suite picks it up.
 */
export interface WebhookFixture {
  /** What this payload is, e.g. "text message from a customer". */
  name: string;
  /** Content-Type the provider sends. */
  contentType: string;
  /** Extra headers the provider sends (secret headers included). */
  headers?: Record<string, string>;
  /** The raw body exactly as the provider sends it. */
  body: string;
  /** How many normalized events (message/status/presence/session, not sequence) this yields at least. */
  minEvents: number;
  /** True when at least one event must reach bots (an inbound message); false for our own echoes etc. */
  reachesBots: boolean;
}

export interface ProviderContract {
  /** Provider name as in /webhooks/<name>/… */
  provider: string;
  /** Environment that enables it (webhook secret etc.); DATA_DIR and PORT are added by the suite. */
  env: Record<string, string>;
  /** The path secret to use. */
  secret: string;
  /** Headers every genuine request carries (e.g. a secret header). */
  headers?: Record<string, string>;
  fixtures: WebhookFixture[];
  /** Bodies that do not decode or carry no delivery id: each must get 400, store nothing, and count as rejected. */
  invalidBodies: { name: string; contentType: string; body: string }[];
  /**
   * Bodies that decode and carry the provider's delivery id but that our schema cannot read (issue
   * 16): each is answered 2xx and stored, quarantined with the reason, and reaches no bot.
   */
  quarantined: { name: string; contentType: string; body: string }[];
  /** A fixture name whose delivery is our own outbound echo and must never trigger a bot (omit if the provider cannot echo). */
  ownEcho?: string;
}
