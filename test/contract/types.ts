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
  /** Bodies the provider would never send: each must get 400 and store nothing. */
  invalidBodies: { name: string; contentType: string; body: string }[];
  /** A fixture name whose delivery is our own outbound echo and must never trigger a bot (omit if the provider cannot echo). */
  ownEcho?: string;
}
