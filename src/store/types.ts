import type { Button, Conversation, ConversationRef, Message, OutgoingMessage, Participant, Role } from '../model';
import type { DispatchEvent } from '../model';
import type { SendAttempt } from '../model/send-attempt';

/**
 * The one storage interface. SQLite (default) and PostgreSQL sit behind it; nothing outside
 * src/store/ touches SQL or a driver. Every method is async, even where SQLite is synchronous, so
 * the PostgreSQL implementation is a drop-in.
 */

export * from './delivery-types';
import type {
  AppendOutcome,
  AppliedDelivery,
  DeliveryFilter,
  DeliveryRecord,
  DeliverySummary,
  NewDelivery,
  NewRequest,
  ReplayOutcome,
  StoredDelivery,
} from './delivery-types';

export interface ApplyStats {
  dispatches: number;
  /** Partitions that got new dispatches, handed to the dispatcher so it need not scan for them. */
  partitions: Set<string>;
  unknownStatuses: { provider: string; messageExternalId: string }[];
  /** Messages stored from a catch-up poller's deliveries (their webhook was lost), per provider. */
  recovered?: Map<string, number>;
}

export interface Dispatch {
  id: number;
  partition: string;
  conversationId: number | null;
  orderKey: number;
  event: DispatchEvent;
  deliveryId: number | null;
  attempts: number;
  /** Why the last run failed, when it did. */
  lastError: string | null;
  /** What each routed bot did, once the dispatch was completed (or its commit failed). */
  runs?: BotRun[];
}

/** Why a bot did not run for a dispatch. */
export type SkipReason = 'handoff' | 'filter' | 'not routed' | 'cannot reply';

/**
 * What one route's bot did for a dispatch: ran (with the replies it made), failed (its error), or
 * was skipped: the conversation is handed to people (`handoff`), no handler matched (`filter`),
 * the route excludes the provider or conversation (`not routed`), the provider cannot carry a
 * reply (`cannot reply`, with the ReceiveOnlyError's message).
 */
export type BotRun =
  | { bot: string; outcome: 'ran'; replies: number }
  | { bot: string; outcome: 'failed'; error: string }
  | { bot: string; outcome: 'skipped'; reason: SkipReason; error?: string };

/** A reply or cross-conversation send produced by a bot, committed with its dispatch. */
export interface NewOutbound {
  conversation: { id: number } | ConversationRef;
  /** The conversation's provider, when the sender knows it (saves a lookup). */
  provider?: string;
  message: OutgoingMessage;
  /** Order key of the triggering message, so the reply sorts right after it until sent. */
  afterOrderKey?: number;
  authorName?: string;
  meta?: Record<string, unknown>;
  /** The conversation as the bot run read it: handed on with the enqueued item, so its send need not read it again. */
  conversationRead?: Conversation;
  /** Buttons sent as numbered options (a provider without buttons): the answer is matched against these. */
  choice?: { bot: string; options: Button[]; expiresAt: string };
}

/** An open numbered question of a bot in a conversation (pending_choices). */
export interface PendingChoice {
  bot: string;
  /** The message row that asked it. */
  messageId: number;
  options: Button[];
  expiresAt: string;
}

export interface CompleteDispatch {
  dispatchId: number;
  outbound: NewOutbound[];
  /** Per-bot state to persist for the dispatch's conversation. */
  state?: { conversationId: number; bot: string; value: unknown }[];
  conversationStatus?: { conversationId: number; status: Conversation['status'] }[];
  /** Numbered questions answered by this dispatch: closed with it, so an answer runs its action once. */
  choicesTaken?: { conversationId: number; bot: string }[];
  /** What each route's bot did, stored on the dispatch by the statement that marks it done. */
  runs?: BotRun[];
}

/** What `Store.scene` looks up: the dispatch's message and conversation; for presence, who. */
export interface SceneQuery {
  messageId?: number;
  conversationId?: number | null;
  presence?: { provider: string; participantExternalId?: string };
}

export interface Scene {
  message: Message | undefined;
  conversation: Conversation | undefined;
  /** The inbound message's author, or the participant a presence event names. */
  participant: Participant | undefined;
}

export interface OutboxItem {
  id: number;
  conversationId: number;
  provider: string;
  messageId: number;
  message: OutgoingMessage;
  status: 'pending' | 'sending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  /** What the last send attempt recorded before it went out (recovery matches on it). */
  attempt?: SendAttempt;
  /** A dead letter that may already have reached the customer: an interrupted send nobody could confirm. */
  maybeDelivered?: boolean;
  /** Each send attempt's outcome, oldest first, the last ATTEMPT_LOG_CAP of them (read from the store). */
  attemptLog?: OutboxAttempt[];
  /**
   * Only on an item handed from the bot run that enqueued it (never on one read from the store):
   * its conversation as that run read it. Its provider, external id and address are what a send
   * uses; a send that starts from the store reads them there.
   */
  conversation?: Conversation;
}

/** One send attempt of an outbox item: what the provider answered (its message id) or the error. */
export interface OutboxAttempt {
  at: string;
  outcome: 'sent' | 'retry' | 'dead';
  error?: string;
  /** The provider's id for the message sent, when it gave one. */
  externalId?: string;
}

export interface ProviderHealth {
  provider: string;
  deliveries: number;
  duplicates: number;
  gaps: number;
  lastDeliveryAt: string | null;
  lastPollAt: string | null;
  outboxPending: number;
  outboxDead: number;
  /** Deliveries stored but not yet processed: the processing backlog. */
  unprocessed: number;
  /** Bot runs waiting in this provider's conversations. */
  botRunsPending: number;
  /** Deliveries kept but unreadable by normalize (replayable). */
  quarantined: number;
  /** Authenticated requests answered 400 (the body did not decode or lacked the delivery id). */
  rejected: number;
  /** Messages that reached us by polling because their webhook never came. */
  recovered: number;
}

export interface ListMessagesOptions {
  limit?: number;
  /** Newest n, returned oldest first (for bots' history). */
  last?: boolean;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Several instances may share this store: work is claimed under leases (PostgreSQL). */
  readonly shared: boolean;
  migrate(): Promise<void>;
  close(): Promise<void>;

  // receive
  /** `requests`: the raw bodies the batch came in, stored only when one of their deliveries is new. */
  appendDeliveries(batch: NewDelivery[], requests?: NewRequest[]): Promise<AppendOutcome[]>;
  /** An authenticated request answered 400 (counted per provider for /api/health). */
  countRejected(provider: string): Promise<void>;
  // process
  pendingDeliveries(limit: number, afterId: number): Promise<StoredDelivery[]>;
  applyDeliveries(results: AppliedDelivery[]): Promise<ApplyStats>;
  /** Take up to `limit` pending deliveries in stored order, normalize and apply them in one transaction (one applier at a time per database). */
  processDeliveries(limit: number, normalize: (d: StoredDelivery) => AppliedDelivery): Promise<{ count: number; stats: ApplyStats }>;
  // the delivery log (src/store/deliveries.ts)
  /** Newest first. */
  listDeliveries(filter: DeliveryFilter): Promise<DeliverySummary[]>;
  getDelivery(id: number): Promise<DeliveryRecord | undefined>;
  /** Normalize the given deliveries again and apply what they produce (same dedupe as the first time). */
  replayDeliveries(ids: number[], normalize: (d: StoredDelivery) => AppliedDelivery): Promise<{ outcomes: ReplayOutcome[]; stats: ApplyStats }>;
  /** Quarantined (or pending) deliveries given up on: their payload dropped, the dedupe row kept. */
  discardDeliveries(ids: number[]): Promise<number>;
  /** Retention: drop payloads and raw bodies of up to `limit` processed deliveries received before `before`. */
  pruneDeliveries(before: string, limit: number): Promise<number>;
  // dispatch
  /** Partitions with pending dispatches; with `owner`, not those another instance holds a live lease on. */
  pendingPartitions(limit: number, owner?: string): Promise<string[]>;
  nextDispatch(partition: string): Promise<Dispatch | undefined>;
  /** The partition's next `limit` pending dispatches, in the order they run. */
  nextDispatches(partition: string, limit: number): Promise<Dispatch[]>;
  /** The bot runs these deliveries asked for, done or not (what a dry-run replay runs again). */
  dispatchesOf(deliveryIds: number[]): Promise<Dispatch[]>;
  /** Commits the bot run; `items` are the replies it enqueued, for the outbox to send without scanning for them. */
  completeDispatch(done: CompleteDispatch): Promise<{ outbox: number; items: OutboxItem[] }>;
  failDispatch(id: number, error: string, giveUp: boolean, runs?: BotRun[]): Promise<void>;
  // outbox
  dueOutbox(now: string, limit: number): Promise<OutboxItem[]>;
  /**
   * One conversation's due items in order, up to the first that is not (a retry waiting, or one
   * being sent): what its sender goes on with, read by the conversation's index.
   */
  dueOutboxOf(conversationId: number, now: string, limit: number): Promise<OutboxItem[]>;
  /** When the next pending item falls due; with `after`, the first due later than that. */
  nextOutboxAt(after?: string): Promise<string | undefined>;
  /**
   * Sends a stopped instance left `sending` (never `owner`'s own; on PostgreSQL only when the
   * sender's lease expired): their nextAttemptAt is when that attempt started.
   */
  outboxInterrupted(owner?: string): Promise<OutboxItem[]>;
  /** One outbox item as it is now (recovery re-reads an item under its lease before deciding). */
  outboxItem(id: number): Promise<OutboxItem | undefined>;
  /**
   * Claim a pending item for sending (its nextAttemptAt becomes now); false when it is not pending any more.
   * `ref` is recorded with the conversation's highest order key at that moment (SendAttempt).
   */
  outboxMarkSending(id: number, owner?: string, ref?: string): Promise<boolean>;
  outboxMarkSent(id: number, result: { externalId?: string; orderKey?: number; at: string }): Promise<void>;
  outboxMarkRetry(id: number, error: string, nextAttemptAt: string): Promise<void>;
  /** `maybeDelivered`: the provider may have it already (an interrupted send nobody could confirm). */
  outboxMarkDead(id: number, error: string, maybeDelivered?: boolean): Promise<void>;
  /** Provider ids of the conversation's sent replies above `afterOrderKey`: what recovery must not match again. */
  outboxSentIds(conversationId: number, afterOrderKey: number): Promise<string[]>;
  outboxRequeueDead(ids?: number[]): Promise<number>;
  listDeadLetters(): Promise<OutboxItem[]>;

  // leases: one instance at a time runs a partition (c:<id>, o:<id>) or is the `leader`
  /** Take the lease when it is free, expired or already ours; true when we hold it now. */
  claimPartition(partition: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extend our lease; false when it is no longer ours (it expired and another took it). */
  renewPartition(partition: string, owner: string, ttlMs: number): Promise<boolean>;
  releasePartition(partition: string, owner: string): Promise<void>;

  // reads
  getConversation(id: number): Promise<Conversation | undefined>;
  /** What a bot run reads first (message, conversation, author), in one read; the same as getMessage, getConversation and getParticipant would give. */
  scene(q: SceneQuery): Promise<Scene>;
  findConversation(ref: ConversationRef): Promise<Conversation | undefined>;
  listConversations(filter: { provider?: string; limit?: number }): Promise<Conversation[]>;
  listMessages(conversationId: number, opts?: ListMessagesOptions): Promise<Message[]>;
  getMessage(id: number): Promise<Message | undefined>;
  findMessage(provider: string, externalId: string): Promise<Message | undefined>;
  getParticipant(provider: string, externalId: string): Promise<Participant | undefined>;
  getBotState(conversationId: number, bot: string): Promise<unknown>;
  /** The open numbered questions in a conversation, one per bot (expired ones included: the caller checks). */
  pendingChoices(conversationId: number): Promise<PendingChoice[]>;
  setConversationStatus(conversationId: number, status: Conversation['status']): Promise<void>;
  /** Merge flags into a conversation's address (`blocked` when the provider says the user blocked us). */
  mergeConversationAddress(conversationId: number, patch: Record<string, unknown>): Promise<void>;

  // a bot's own storage (bot-storage.ts): knowledge chunks, budget counters, warnings
  botStorageGet(bot: string, keys: string[]): Promise<Map<string, unknown>>;
  botStoragePut(bot: string, entries: [string, unknown][]): Promise<void>;
  /** Add n to a counter and return its new value (atomic across instances). */
  botStorageAdd(bot: string, key: string, n: number): Promise<number>;
  /** Warnings bots recorded since `since` (ISO), newest first. */
  botWarnings(since: string): Promise<{ bot: string; message: string; at: string }[]>;

  // health and cursors
  health(): Promise<ProviderHealth[]>;
  /**
   * Why this store cannot take writes now (disk full, read-only file system, a lost connection),
   * or undefined when it can: a cause of `degraded` in /api/health. Optional: a store without it
   * counts as writable.
   */
  writeProblem?(): string | undefined;
  /** Called once each time writeProblem() changes: the problem when writes start failing, undefined when they commit again. */
  onWriteProblem?(listener: (problem: string | undefined) => void): void;
  recordPoll(provider: string, at: string): Promise<void>;
  getCursor(key: string): Promise<string | undefined>;
  setCursor(key: string, value: string): Promise<void>;
}

export type { Role };
