import type { Logger } from 'winston';
import type { Config } from '../config/env';
import type { Conversation, NormalizedEvent, OutgoingMessage } from '../model';
import type { InterruptedSend, SendAttempt } from '../model/send-attempt';

/**
 * The seam between the core and one provider. A provider is a folder under src/providers/ whose
 * index exports one ProviderAdapter; src/providers/index.ts lists them (one line each). The core
 * (pipeline, store, bots) only ever sees this interface.
 */

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received; adapters decode it (JSON, form) so errors are theirs to name. */
  rawBody: Buffer;
  contentType: string;
}

export type VerifyOutcome =
  | { ok: true }
  | { ok: false; error: string }
  /** Answer the request directly, store nothing (e.g. RingCentral's Validation-Token handshake). */
  | { ok: 'respond'; status: number; headers?: Record<string, string>; body?: string };

/** One durable unit of work: stored raw, deduped on (provider, key), normalized later. */
export interface Delivery {
  /** The provider's own id for this delivery (or a content hash where it has none). */
  key: string;
  /** JSON-serialisable payload handed back to normalize() after it was stored. */
  payload: unknown;
  /** Found by a catch-up poller: the webhook that should have brought it never came. */
  recovered?: boolean;
}

export type ParseOutcome = { ok: true; deliveries: Delivery[] } | { ok: false; error: string };

export interface NormalizeContext {
  config: Config;
  /** When the delivery reached us (ISO): the fallback for providers without a trustworthy clock. */
  receivedAt: string;
}

export interface SendResult {
  /** The provider's id for the sent message, so later status updates and echoes match it. */
  externalId?: string;
  /** The provider's order key for the sent message (e.g. WAMM msg_id), when it has one. */
  orderKey?: number;
}

export interface ProviderClient {
  /** `attempt`: what the outbox recorded before this send (a client that can carry `attempt.ref` publishes it). */
  send(conversation: Conversation, message: OutgoingMessage, attempt?: SendAttempt): Promise<SendResult>;
  /**
   * After a crash interrupted a send: ask the provider whether that send went out (it started at
   * `since`, ISO; `interrupted` says what it recorded and which provider ids are already matched).
   * Returns its ids when it did, `null` when it surely did not (the outbox then sends it again),
   * and throws when it cannot tell (the outbox then dead-letters it, marked maybeDelivered).
   * Without this capability an interrupted send is always dead-lettered.
   */
  confirm?(conversation: Conversation, message: OutgoingMessage, since: string, interrupted?: InterruptedSend): Promise<SendResult | null>;
  /**
   * Show "typing…" in the conversation now (Telegram's sendChatAction lasts ~5 s; the bot runtime
   * repeats it while a handler runs). `route`: where the answered message came from (its replyRoute).
   */
  typing?(conversation: Conversation, route?: Record<string, unknown>): Promise<void>;
}

/**
 * How fast the outbox may send through one provider. Every limit is a minimum spacing between two
 * sends sharing a key: the conversation, the account (what `account` returns for the
 * conversation), and the whole provider (`globalPerSecond` sends per second at most).
 */
export interface SendPacing {
  perConversationMs?: number;
  perAccountMs?: number;
  globalPerSecond?: number;
  /** The sending account of a conversation (e.g. WAMM's phone_acc); default: one account. */
  account?(conversation: Conversation): string;
}

/** What a provider's background work (pollers, Telegram long polling) may use. */
export interface ProviderRuntime {
  config: Config;
  log: Logger;
  /** Store deliveries through the same path as webhooks (dedupe included). */
  ingest(deliveries: Delivery[]): Promise<{ stored: number; duplicates: number }>;
  getCursor(key: string): Promise<string | undefined>;
  setCursor(key: string, value: string): Promise<void>;
  recordPoll(): Promise<void>;
  /** This provider's conversations with a message since `sinceIso`, newest first (catch-up of active users). */
  recentConversations(sinceIso: string, limit: number): Promise<Conversation[]>;
  /**
   * Called with the provider's message ids that a status event named but the store has never
   * seen, so a poller can fetch what the webhook missed.
   */
  onUnknownStatuses?(listener: (messageExternalIds: string[]) => void): void;
  /** True while this instance holds the leader lease (only one instance polls). */
  isLeader(): boolean;
  /**
   * True while the store cannot write (disk full, database unreachable): a poller waits instead of
   * fetching what it could not store. Absent: always writable.
   */
  storePaused?(): boolean;
  /** Aborted when the server stops. */
  signal: AbortSignal;
}

export interface ProviderCapabilities {
  receive: true;
  reply: boolean;
  poll: boolean;
  /** Shows buttons under a message and reports presses (Telegram's inline keyboard). */
  buttons?: boolean;
  /** Shows "typing…" (ProviderClient.typing). */
  typing?: boolean;
}

export interface ProviderAdapter {
  /** Route segment and store key: /webhooks/<name>/<secret>. */
  name: string;
  /** Human name for logs. */
  title: string;
  /** The variable that enables it when set (named in the start-up log), e.g. WAMM_WEBHOOK_SECRET. */
  enableVariable: string;
  /** The variable holding the webhook path secret, when it is not enableVariable (Telegram). */
  webhookSecretVariable?: string;
  capabilities: ProviderCapabilities;
  /** Send spacing the outbox keeps for this provider (may depend on configuration). */
  pacing?(config: Config): SendPacing;
  /** Longest text one send accepts; longer replies are cut by the outbox. */
  maxTextLength?: number;
  /** Only for adapters with another rule than "enableVariable is set" (the test kit's stand-ins). */
  enabled?(config: Config): boolean;
  /** The path secret for /webhooks/<name>/<secret>; undefined = no webhook route (e.g. Telegram polling). */
  webhookSecret(config: Config): string | undefined;
  /** Extra checks after the path secret matched (headers, handshakes). */
  verify?(req: WebhookRequest, config: Config): VerifyOutcome;
  /** Decode and validate (zod) a webhook body into deliveries. Pure, no I/O. */
  parse(req: WebhookRequest, config: Config): ParseOutcome;
  /** Pure: a stored delivery payload → conversation-model events. */
  normalize(payload: unknown, ctx: NormalizeContext): NormalizedEvent[];
  /** The API client used by the outbox; absent (or undefined when credentials are missing) for receive-only providers. */
  createClient?(config: Config, log: Logger): ProviderClient | undefined;
  /** The variable holding this provider's API base URL: /api/health reports how the calls to it went (api-calls.ts). */
  apiUrlVariable?: keyof Config;
  /** Whether this configuration runs a poller that records its polls (lastPollAt): /api/health warns when none succeeded since start. */
  polls?(config: Config): boolean;
  /** Background work: pollers, webhook registration, long polling. */
  start?(runtime: ProviderRuntime): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** A provider is enabled when its enableVariable is set: one rule, in one place. */
export function isEnabled(adapter: ProviderAdapter, config: Config): boolean {
  return adapter.enabled ? adapter.enabled(config) : !!(config as Record<string, unknown>)[adapter.enableVariable];
}
