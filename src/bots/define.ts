import type { Logger } from 'winston';
import type { ZodType } from 'zod';
import type { Config } from '../config/env';
import { checkDefinition } from './check-definition';
import type { Button, Conversation, ConversationRef, DispatchEvent, Message, MessageKind, OutgoingMessage, Participant } from '../model';

/**
 * What a bot author writes: `export default defineBot({ name, onMessage(ctx) { … } })`.
 * A bot sees only this Context, never Express or a provider payload.
 */

export type Outgoing = string | OutgoingMessage;
export type State = Record<string, unknown>;
export type Options = Record<string, unknown>;

/** Where ctx.send() can go: a stored conversation by id, or any conversation by its provider's id. */
export type Target = ConversationRef | { id: number };

export interface SendOptions {
  /** Stored on the sent message (Message.meta), e.g. to trace an operator's reply back later. */
  meta?: Record<string, unknown>;
  /**
   * Rows of buttons under the reply; a press runs the bot's `onAction[action]`. Where the provider
   * shows none (WAMM, SuperViz, replies through replyVia) they go out numbered in the text
   * ("1. Yes  2. No") and the customer's "1" or "yes" runs the same action, once, for a day.
   */
  buttons?: Button[][];
}

/** The button press (or numbered answer) a handler of `onAction` runs for. */
export interface Action {
  /** The button's action. */
  name: string;
  /** The message whose button was pressed (the bot's question), when it is stored. */
  message: Message | undefined;
}

/**
 * A bot's own keys and values in the store, shared by all its conversations and all instances:
 * caches (embedded knowledge), counters (token budgets) and warnings for /api/health. Written at
 * once, not with the replies: keep a conversation's state in `ctx.state`.
 */
export interface BotStorage {
  get(keys: string[]): Promise<Map<string, unknown>>;
  put(entries: [string, unknown][]): Promise<void>;
  /** Add n to a counter and return its new value (atomic across instances). */
  add(key: string, n: number): Promise<number>;
  /** A warning /api/health shows for a day (one per `name`; the latest message wins). */
  warn(name: string, message: string): Promise<void>;
}

export interface Context<S extends State = State, O = Options> {
  /** The bot running. */
  readonly bot: string;
  /** What happened: a message, a status change, a presence change or a session event. */
  readonly event: DispatchEvent;
  /** The provider the event came from. */
  readonly provider: string | undefined;
  readonly conversation: Conversation | undefined;
  /** The message (for status and session events: the message or event row it concerns). */
  readonly message: Message | undefined;
  /** The author of the message (or the participant whose presence changed), when known. */
  readonly participant: Participant | undefined;
  /** In an `onAction` handler: which button was pressed, on which message. */
  readonly action: Action | undefined;
  /** This route's options from config/bots.json, validated by the bot's `options` schema. */
  readonly options: O;
  /** The parsed environment (OPENAI_*, TELEGRAM_OPERATOR_CHAT_ID, …). */
  readonly config: Config;
  /**
   * False on receive-only providers (Webinato, MQTT CHAT, RingCentral) unless config routes their
   * replies elsewhere (`replyVia`).
   */
  readonly canReply: boolean;
  /**
   * Reply in this conversation, through its provider. On a receive-only provider it goes to the
   * `replyVia` conversation when one is configured, else it throws ReceiveOnlyError.
   */
  reply(message: Outgoing, opts?: SendOptions): Promise<void>;
  /**
   * Show "typing…" in this conversation until the handler returns (Telegram's sendChatAction,
   * repeated every 4 s); a no-op where the provider has none.
   */
  typing(): Promise<void>;
  /** Send to any conversation, on any provider (e.g. a Telegram operator chat). */
  send(to: Target, message: Outgoing, opts?: SendOptions): Promise<void>;
  /** The last n messages of this conversation, oldest first (includes the current one). */
  history(n?: number): Promise<Message[]>;
  /** A stored message by its provider's id (e.g. the message an operator replied to). */
  lookup(provider: string, externalId: string): Promise<Message | undefined>;
  /** A stored conversation by id or provider id. */
  getConversation(target: Target): Promise<Conversation | undefined>;
  /** Per conversation and bot; persisted with the replies, in one transaction, when the handler returns. */
  state: S;
  /** Hand a conversation (this one by default) to humans, where other bots fall silent, or back. */
  setConversationStatus(status: Conversation['status'], conversation?: { id: number }): void;
  /** A winston child logger carrying the bot, conversation and delivery ids. */
  log: Logger;
  /** This bot's storage beyond the conversation (see BotStorage). */
  storage: BotStorage;
}

export type Handler<S extends State = State, O = Options> = (ctx: Context<S, O>) => unknown | Promise<unknown>;
export type Middleware<S extends State = State, O = Options> = (ctx: Context<S, O>, next: () => Promise<void>) => unknown | Promise<unknown>;

export interface MessageFilter {
  /** Which events the handler takes (default: message). */
  event?: DispatchEvent['type'] | DispatchEvent['type'][];
  provider?: string | string[];
  kind?: MessageKind | MessageKind[];
  /** Matched against the message text: a RegExp, or a case-insensitive substring. */
  text?: RegExp | string;
  /** Session events only: the event name (e.g. session.started). */
  name?: string | string[];
  /** Also handle outbound messages (normally only inbound ones reach bots). */
  outbound?: boolean;
}

export interface BotDefinition<S extends State = State, O = Options> {
  name: string;
  description?: string;
  /** zod schema of the options a route may give this bot in config/bots.json; checked at start-up. */
  options?: ZodType<O>;
  /** Runs before every handler, telegraf/grammY style: call `await next()` to go on. */
  use?: Middleware<S, O>[];
  /** Filter applied before onMessage. */
  filter?: MessageFilter;
  onMessage?: Handler<S, O>;
  /** Extra handlers with their own filters (messages by default), tried in order; all that match run. */
  on?: { filter: MessageFilter; handler: Handler<S, O> }[];
  onStatus?: Handler<S, O>;
  onPresence?: Handler<S, O>;
  onSession?: Handler<S, O>;
  /** A message was edited: ctx.message holds the new text, its meta.history the ones before, ctx.event.previousText the last. */
  onEdit?: Handler<S, O>;
  /**
   * Button presses by action: `{ yes: (ctx) => …, no: … }` ('*' takes the actions without their
   * own). On Telegram the press is acknowledged (answerCallbackQuery) once the handler is done.
   */
  onAction?: Record<string, Handler<S, O>>;
  /** Keep running while a conversation is handed off to humans (the handoff bot itself). */
  duringHandoff?: boolean;
  /** Called at start-up once per route, with that route's options; throw ConfigError to stop start-up. */
  setup?(env: BotEnvironment<O>): void | Promise<void>;
  /**
   * Called once per route when the store is open, in the background (the server does not wait),
   * for work such as indexing documents; `npm run cli -- knowledge index` runs it and waits.
   */
  start?(env: BotStartEnvironment<O>): void | Promise<void>;
}

export interface BotStartEnvironment<O = Options> extends BotEnvironment<O> {
  storage: BotStorage;
  /** Progress of long work, for people: the server logs it, the CLI prints it. */
  progress(message: string, meta?: Record<string, unknown>): void;
}

export interface BotEnvironment<O = Options> {
  options: O;
  config: Config;
  log: Logger;
}

export const BOT_MARK = Symbol.for('switchboard.bot');

export type Bot<S extends State = State, O = Options> = BotDefinition<S, O> & { [BOT_MARK]: true };

export function defineBot<S extends State = State, O = Options>(def: BotDefinition<S, O>): Bot<S, O> {
  if (!def || typeof def.name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(def.name)) {
    throw new TypeError('defineBot: `name` must be a word such as "echo" or "faq-bot"');
  }
  checkDefinition(def as unknown as Record<string, unknown> & { name: string });
  return Object.assign({}, def, { [BOT_MARK]: true as const });
}

export function isBot(v: unknown): v is Bot {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BOT_MARK] === true;
}

const list = <T>(v: T | T[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** Does a filter accept this event? Text and kind tests need a message; provider tests need a provider. */
export function matches(filter: MessageFilter | undefined, event: DispatchEvent, message: Message | undefined, provider: string | undefined): boolean {
  const events = list(filter?.event) ?? ['message'];
  if (!events.includes(event.type)) return false;
  if (event.type === 'message' && message?.direction === 'outbound' && !filter?.outbound) return false;
  if (!filter) return true;
  const providers = list(filter.provider);
  if (providers && (!provider || !providers.includes(provider))) return false;
  const names = list(filter.name);
  if (names && (event.type !== 'session' || !names.includes(event.name))) return false;
  const kinds = list(filter.kind);
  if (kinds && (!message || !kinds.includes(message.kind))) return false;
  if (filter.text !== undefined) {
    if (!message) return false;
    const text = message.text ?? '';
    if (
      typeof filter.text === 'string'
        ? !text.toLowerCase().includes(filter.text.toLowerCase())
        : !new RegExp(filter.text.source, filter.text.flags.replace('g', '')).test(text)
    )
      return false;
  }
  return true;
}
